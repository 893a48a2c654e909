import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { createCore } from '../app.ts';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { isSessiondError, SessiondError } from '../core/errors.ts';
import { PERMISSION_PATTERN } from '../core/input-rules.ts';
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
  .option('--events', 'let the user read the event stream (GET /api/v1/events), as an application validator does', false)
  .action(async (username: string, opts: { admin: boolean; events: boolean }) => {
    const password = await readPassword(`Password for ${username}: `);
    await withCore(async ({ users }) => {
      const user = await users.createUser({ username, password, admin: opts.admin, permissions: opts.events ? ['events'] : [], actor: 'cli' });
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
      const shown = list.map(({ userId, username, admin, active, createdAt, permissions }) => ({ userId, username, admin, active, createdAt, permissions }));
      if (opts.json) return void process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
      for (const u of list) {
        process.stdout.write(`${u.username}\t${u.userId}\t${u.admin ? 'admin' : 'user'}\t${u.active ? 'active' : 'inactive'}\n`);
      }
    });
  });

users
  .command('deactivate <username>')
  .description('stop a user from logging in and end all of their sessions (never the last active admin)')
  .action(async (username: string) => {
    await withCore(async (core) => {
      const { ended } = await core.accounts.deactivate(username, 'cli');
      await untilServersSee(core);
      process.stdout.write(`deactivated ${username}; ended ${sessionCount(ended)}\n`);
    });
  });
users
  .command('activate <username>')
  .description('let a deactivated user log in again')
  .action(async (username: string) => {
    await withCore(async ({ accounts }) => {
      await accounts.activate(username, 'cli');
      process.stdout.write(`activated ${username}\n`);
    });
  });
users
  .command('password <username>')
  .description("set a user's password (read from stdin or a prompt, never an argument) and end all of their sessions")
  .action(async (username: string) => {
    const password = await readPassword(`New password for ${username}: `);
    await withCore(async (core) => {
      const { ended } = await core.accounts.resetPassword(username, password, 'cli');
      await untilServersSee(core);
      process.stdout.write(`set the password of ${username}; ended ${sessionCount(ended)}\n`);
    });
  });
users
  .command('delete <username>')
  .description('remove a user and end all of their sessions (never the last active admin)')
  .action(async (username: string) => {
    await withCore(async (core) => {
      const { ended } = await core.accounts.delete(username, 'cli');
      await untilServersSee(core);
      process.stdout.write(`deleted ${username}; ended ${sessionCount(ended)}\n`);
    });
  });
users
  .command('set <username>')
  .description("change a user's admin flag and/or permissions (never demote the last active admin)")
  .option('--admin', 'make the user an administrator')
  .option('--no-admin', 'make the user a plain user')
  .option('--permissions <names>', 'replace the permissions with this comma-separated list ("" for none)')
  .action(async (username: string, opts: { admin?: boolean; permissions?: string }) => {
    const permissions = opts.permissions === undefined ? undefined : opts.permissions.split(',').map((p) => p.trim()).filter(Boolean);
    const bad = permissions?.find((p) => !PERMISSION_PATTERN.test(p));
    if (bad !== undefined) throw new SessiondError('INVALID_REQUEST', `not a permission name: ${bad}`);
    if (opts.admin === undefined && permissions === undefined) throw new SessiondError('INVALID_REQUEST', 'say what to change: --admin, --no-admin or --permissions');
    await withCore(async ({ accounts }) => {
      const user = await accounts.update(
        username,
        { ...(opts.admin !== undefined ? { admin: opts.admin } : {}), ...(permissions !== undefined ? { permissions } : {}) },
        'cli',
      );
      process.stdout.write(`${user.username}: ${user.admin ? 'admin' : 'user'}; permissions: ${user.permissions.join(',') || 'none'}\n`);
    });
  });

function sessionCount(n: number): string {
  return `${n} session${n === 1 ? '' : 's'}`;
}

/** A user agent in a tab-separated line: tabs and line breaks (which a client could send) become spaces. */
function cell(text: string | null): string {
  return text === null ? '-' : text.replace(/[\t\r\n]/g, ' ');
}

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
            opts.json
              ? `${JSON.stringify(s)}\n`
              : `${s.handle}\t${s.username}\t${s.project}\t${s.lastSeenAt}\t${s.expiresAt}\t${s.ip ?? '-'}\t${cell(s.userAgent)}\n`,
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
