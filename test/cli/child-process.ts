import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** Runs the real `sessiond` command (bin/sessiond.js) as a child process, as a user would. */

export const SESSIOND_BIN = fileURLToPath(new URL('../../bin/sessiond.js', import.meta.url));

/**
 * What `npm run` tells its scripts about its own project, which a child npm would take as its
 * own. The user's npm settings (npm_config_nodedir, the cache, …) do pass on.
 */
const OUTER_NPM_RUN = /^(npm_package_|npm_lifecycle_|npm_config_local_prefix$|npm_command$|INIT_CWD$)/i;

/**
 * Environment for a child: the parent's PATH etc., none of its SESSIOND_* settings, cheap scrypt,
 * nothing of an outer `npm test`'s project.
 */
export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = ([k]: [string, unknown]) => !k.startsWith('SESSIOND_') && !OUTER_NPM_RUN.test(k) && k !== 'PORT' && k !== 'HOST';
  const base = Object.fromEntries(Object.entries(process.env).filter(inherited));
  return { ...base, SESSIOND_SCRYPT_N: '1024', ...env };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `sessiond <args>` to completion, with `input` on stdin. */
export function runCli(args: string[], env: Record<string, string>, input = '', timeoutMs = 30_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SESSIOND_BIN, ...args], { env: childEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sessiond ${args.join(' ')} did not finish in ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

export interface ChildServer {
  url: string;
  child: ChildProcess;
  output(): string;
  /** Sends the signal and waits for the process to be gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** How to start the server: by default this repository's bin/sessiond.js under this node. */
export interface ServeCommand {
  file: string;
  args: string[];
  cwd?: string;
}

/**
 * Starts `sessiond serve` on a free port and waits until it says where it listens. The child
 * leads its own process group, so stopping it also stops what it started (npm start, npx).
 */
export function startChildServer(
  env: Record<string, string>,
  timeoutMs = 30_000,
  command: ServeCommand = { file: process.execPath, args: [SESSIOND_BIN, 'serve'] },
): Promise<ChildServer> {
  const child = spawn(command.file, command.args, {
    env: childEnv({ PORT: '0', HOST: '127.0.0.1', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    ...(command.cwd ? { cwd: command.cwd } : {}),
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, signal);
    await exited;
    // A wrapper (npm, npx) may exit before the server it started: wait for the whole group.
    for (let i = 0; i < 200 && groupAlive(child.pid!); i++) await sleep(50);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop('SIGKILL');
      reject(new Error(`sessiond serve did not start in ${timeoutMs} ms; output: ${output}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      output += d.toString('utf8');
      const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)".*"msg":"sessiond is listening"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1]!, child, output: () => output, stop });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`sessiond serve exited (${code ?? signal}) before listening; output: ${output}`));
    });
  });
}

/** Whether any process of the group `pgid` is still running. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
