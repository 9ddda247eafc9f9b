import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { eventually } from '@pc/projections/testing';

export interface SseEvent {
  event: string;
  id?: string;
  data: Record<string, unknown>;
}

/** A streaming HTTP client for Server-Sent Events over a real socket (node:http), for tests. */
export class SseClient {
  readonly events: SseEvent[] = [];
  comments = 0;
  ended = false;
  status = 0;
  headers: IncomingMessage['headers'] = {};
  body = '';
  private buffer = '';
  private readonly request: ClientRequest;

  constructor(port: number, path: string, token: string) {
    this.request = request(
      {
        host: '127.0.0.1',
        port,
        path,
        headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      },
      (response) => {
        this.status = response.statusCode ?? 0;
        this.headers = response.headers;
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => this.receive(chunk));
        response.on('end', () => (this.ended = true));
        response.on('close', () => (this.ended = true));
      },
    );
    // An abort from our side ends the stream too; errors after abort are expected.
    this.request.on('error', () => (this.ended = true));
    this.request.end();
  }

  private receive(chunk: string): void {
    this.body += chunk;
    this.buffer += chunk;
    const blocks = this.buffer.split('\n\n');
    this.buffer = blocks.pop() ?? '';
    for (const block of blocks) {
      const lines = block.split('\n');
      if (lines.every((line) => line.startsWith(':'))) {
        this.comments++;
        continue;
      }
      const field = (name: string) =>
        lines.find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2);
      const data = field('data');
      if (data === undefined) continue;
      this.events.push({
        event: field('event') ?? 'message',
        id: field('id'),
        data: JSON.parse(data) as Record<string, unknown>,
      });
    }
  }

  /** Waits (bounded) for an event matching the predicate. */
  async next(description: string, predicate: (event: SseEvent) => boolean): Promise<SseEvent> {
    await eventually(description, () => this.events.some(predicate));
    return this.events.find(predicate) as SseEvent;
  }

  abort(): void {
    this.request.destroy();
  }
}
