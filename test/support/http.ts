import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OutgoingHttpHeaders } from 'node:http';

export interface TestResponse<T = Record<string, unknown>> {
  status: number;
  headers: OutgoingHttpHeaders;
  text: string;
  /** Parsed JSON body (undefined when the body is not JSON). */
  body: T;
}

export interface RequestOptions {
  token?: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Sent verbatim (for malformed JSON, encoding and size tests). */
  rawBody?: string | Buffer;
}

/** Drives the real app in-process through Fastify's inject (no socket), as a caller would. */
export async function call<T = Record<string, unknown>>(
  app: NestFastifyApplication,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  options: RequestOptions = {},
): Promise<TestResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  let payload: string | Buffer | undefined;
  if (options.rawBody !== undefined || options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    payload = options.rawBody ?? JSON.stringify(options.body);
  }
  const response = await app.inject({ method, url, headers, payload });
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    body = undefined;
  }
  return { status: response.statusCode, headers: response.headers, text: response.body, body: body as T };
}

/** Matches a problem+json body by its type's last segment, the code: `toMatchObject(problem('x'))`. */
export const problem = (code: string) => ({ type: expect.stringMatching(new RegExp(`/errors/${code}$`)) });
