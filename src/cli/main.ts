import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { createCore } from '../app.ts';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { isSessiondError } from '../core/errors.ts';
import { EsmLoadError } from '../esm/load-esm.ts';
import { unlimitedLoginThrottle } from '../core/login-throttle.ts';
import { sessionView } from '../api/session-view.ts';
import { invalidateHandles, readHandlesFile } from './invalidate-handles.ts';
import { packageVersion } from './package-version.ts';
import { readPassword } from './read-password.ts';
import { serve } from './serve.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { FOREIGN_WRITE_LOOK_MS } from '../store/sqlite/sqlite-store.ts';

/**
 * The `sessiond` command. `serve` runs the server; the other commands work on the configured
 * store directly (they need no running server), as an operator.
 */
function config(): Config {
  return loadConfig(process.env);
}

async function withCore<T>(run: (core: Awaited<ReturnType<typeof createCore>>) => Promise<T>): Promise<T> {
  const cfg = config();
  const { createLogger } = await import('../observability/logger.ts');
  const core = await createCore({ ...cfg, logLevel: 'silent' }, { throttle: unlimitedLoginThrottle, logger: createLogger('silent') });
  try {
    return await run(core);
  } finally {
    await core.bus.close();
    await core.store.close();
  }
}

/**
 * A server on the same SQLite file notices another process's commit within
 * FOREIGN_WRITE_LOOK_MS (its session cache is emptied then). Waiting that out twice before
 * reporting means: what the command reports as ended, a running server refuses from then on.
 */
async function untilServersSee(core: Awaited<ReturnType<typeof createCore>>): Promise<void> {
  if (core.store.kind === 'sqlite') await sleep(2 * FOREIGN_WRITE_LOOK_MS);
}

const program = new Command('sessiond')
  .description('sessiond: a session server for applications')
  .version(packageVersion(), '-V, --version', 'print the installed version')
  .exitOverride();

program
  .command('serve')
  .description('run the server (configured by environment variables; see the README)')
  .action(async () => {
    await serve(config());
  });

const users = program.command('users').description('manage users');
users
  .command('add <username>')
  .description('add a user; the password is read from stdin or a prompt, never an argument')
  .option('--admin', 'make the user an administrator', false)
  .action(async (username: string, opts: { admin: boolean }) => {
    const password = await readPassword(`Password for ${username}: `);
    await withCore(async ({ users }) => {
      const user = await users.createUser({ username, password, admin: opts.admin, actor: 'cli' });
      process.stdout.write(`added ${user.username} (${user.userId})${user.admin ? ' as an admin' : ''}\n`);
    });
  });
users
  .command('list')
  .description('list users')
  .option('--json', 'print JSON', false)
  .action(async (opts: { json: boolean }) => {
    await withCore(async ({ users }) => {
      const list = await users.listUsers();
      const shown = list.map(({ userId, username, admin, active, createdAt }) => ({ userId, username, admin, active, createdAt }));
      if (opts.json) return void process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
      for (const u of list) {
        process.stdout.write(`${u.username}\t${u.userId}\t${u.admin ? 'admin' : 'user'}\t${u.active ? 'active' : 'inactive'}\n`);
      }
    });
  });

users
  .command('deactivate <username>')
  .description('stop a user from logging in and end all of their sessions')
  .action(async (username: string) => {
    await withCore(async (core) => {
      await core.users.setActive(username, false);
      const ended = await core.service.endSessionsOfUser(username, 'cli');
      await untilServersSee(core);
      process.stdout.write(`deactivated ${username}; ended ${ended} session${ended === 1 ? '' : 's'}\n`);
    });
  });
users
  .command('activate <username>')
  .description('let a deactivated user log in again')
  .action(async (username: string) => {
    await withCore(async ({ users }) => {
      await users.setActive(username, true);
      process.stdout.write(`activated ${username}\n`);
    });
  });

const sessions = program.command('sessions').description('list and end sessions (by handle)');
sessions
  .command('list')
  .description('list live sessions')
  .option('--user <username>', 'only this user’s sessions')
  .option('--project <project>', 'only this project’s sessions')
  .option('--json', 'print JSON', false)
  .action(async (opts: { user?: string; project?: string; json: boolean }) => {
    await withCore(async ({ service }) => {
      let after;
      do {
        const page = await service.listSessions({
          limit: 500,
          ...(opts.user ? { username: opts.user } : {}),
          ...(opts.project ? { project: opts.project } : {}),
          ...(after ? { after } : {}),
        });
        for (const s of page.sessions.map(sessionView)) {
          process.stdout.write(
            opts.json ? `${JSON.stringify(s)}\n` : `${s.handle}\t${s.username}\t${s.project}\t${s.lastSeenAt}\t${s.expiresAt}\n`,
          );
        }
        after = page.next ?? undefined;
      } while (after);
    });
  });
sessions
  .command('invalidate')
  .description('end sessions by handle, read from a file (one handle a line), in batches of 200')
  .requiredOption('--handles-file <file>', 'file with one handle a line')
  .action(async (opts: { handlesFile: string }) => {
    const handles = await readHandlesFile(opts.handlesFile);
    await withCore(async (core) => {
      const summary = await invalidateHandles(core.service, handles, process.stderr.isTTY === true);
      await untilServersSee(core);
      process.stdout.write(`ended ${summary.ended}, not found ${summary.notFound} (of ${handles.length} handles)\n`);
    });
  });

program
  .command('bench')
  .description('run the benchmarks (bench/run.ts): --quick for a short run, --only=<ids> for some; see the README')
  .allowUnknownOption()
  .helpOption(false)
  .argument('[options...]', 'passed on to the benchmark runner')
  .action(async (options: string[]) => {
    // The harness starts and loads its own server processes; this only runs it from the repository.
    const runner = fileURLToPath(new URL('../../bench/run.ts', import.meta.url));
    if (!existsSync(runner)) {
      process.stderr.write('sessiond: bench runs from a clone of the sessiond repository (the package does not ship bench/)\n');
      process.exitCode = 1;
      return;
    }
    const child = spawn(process.execPath, ['--import', 'tsx', runner, ...options], { stdio: 'inherit' });
    const code = await new Promise<number>((resolve) => child.once('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
    process.exitCode = code;
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  const message =
    error instanceof ConfigError || error instanceof EsmLoadError || isSessiondError(error)
      ? error.message
      : `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
  process.stderr.write(`sessiond: ${message}\n`);
  process.exit(error instanceof ConfigError ? 78 : 1);
}
