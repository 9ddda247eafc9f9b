import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';

const repoRoot = resolve(__dirname, '../..');

export interface Exit {
  code: number | null;
  output: string;
}

/**
 * Runs an entry point (TypeScript, through @swc-node/register) to its exit, with `env` over a clean
 * environment: only what node needs from this process, so settings the test run carries do not mix in.
 * Killed after 30 s.
 */
export function runEntry(entry: string, env: Record<string, string>): Promise<Exit> {
  const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TMPDIR: tmpdir() };
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', entry], {
      cwd: repoRoot,
      env: { ...base, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', fail);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}
