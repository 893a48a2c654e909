import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_PASSWORD } from '../helpers/server.ts';

const BIN = fileURLToPath(new URL('../../bin/sessiond.js', import.meta.url));

export interface UpstreamProcess {
  url: string;
  child: ChildProcess;
  /** Everything it printed (pino JSON lines). */
  output(): string;
  /** Ends it the hard way (the upstream "going down"). */
  kill(): Promise<void>;
  /** Stops it (if still running) and removes its store. */
  close(): Promise<void>;
}

/** Runs `sessiond serve` in another process on a free port with its own throwaway store. */
export async function startUpstreamProcess(): Promise<UpstreamProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'sessiond-upstream-'));
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      HOST: '127.0.0.1',
      SESSIOND_STORE: `sqlite:${join(dir, 'upstream.db')}`,
      SESSIOND_ADMIN_PASSWORD: ADMIN_PASSWORD,
      SESSIOND_SCRYPT_N: '1024',
      SESSIOND_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`upstream did not start in time:\n${text}`)), 20_000);
      const look = () => {
        const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*sessiond is listening/.exec(text);
        if (match) {
          clearTimeout(timer);
          child.stdout!.off('data', look);
          resolve(match[1]!);
        }
      };
      child.stdout!.on('data', look);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`upstream exited (${code}) before listening:\n${text}`));
      });
    });
    return {
      url,
      child,
      output: () => text,
      kill,
      async close() {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        }
        await kill();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await kill();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
