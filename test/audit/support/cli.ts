import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A script as an auditor runs it: a real child process, configured only through the environment. */
export function runScript(script: string, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['-r', '@swc-node/register', script, ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? -1 : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** The auditor CLI (apps/audit) with the given environment (EVENT_STORE…, READ_MODEL_…). */
export const runAudit = (env: Record<string, string>, ...args: string[]): Promise<CliRun> =>
  runScript('apps/audit/src/main.ts', args, env);
