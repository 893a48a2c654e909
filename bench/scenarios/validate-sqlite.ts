import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SCRYPT } from '../../src/core/password.ts';
import type { Row } from '../results.ts';
import { seedSqlite } from '../seed-sqlite.ts';
import { startSessiond } from '../sessiond-server.ts';
import { expectJson, measureValidation, type BenchContext } from './context.ts';

/**
 * `GET /api/v1/session` with a valid Bearer ID, sessiond on SQLite holding `size` sessions.
 * Each entry of `variants` is one server run on the same seeded file: `shipped` is sessiond as
 * it ships (on SQLite the validated-session cache is on); `cache-off` sets
 * SESSIOND_CACHE_MAX_AGE_MS=0, so every check reads the store, to show what the cache buys.
 * Targets are judged on the shipped setting only.
 */
/**
 * Requests rotate over this many sessions spread through the file, so a larger store cannot
 * look flat just because one session's pages stay cached.
 */
export const ROTATE_OVER = 1000;

export function sizeLabel(size: number): string {
  return size >= 1_000_000 ? `${size / 1_000_000}m` : `${size / 1000}k`;
}

export function removeSqliteFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
}

export async function validateSqlite(ctx: BenchContext, size: number, variants: ReadonlyArray<'shipped' | 'cache-off'> = ['shipped']): Promise<Row[]> {
  const dbPath = join(ctx.workDir, `sessiond-${sizeLabel(size)}.db`);
  const rows: Row[] = [];
  try {
    const seeded = await seedSqlite({ path: dbPath, sessions: size, keepIds: ROTATE_OVER, scrypt: DEFAULT_SCRYPT });
    const headerSets = seeded.ids.map((id) => ({ authorization: `Bearer ${id}` }));
    const fileMb = statSync(dbPath).size / 2 ** 20;
    // Seeding is outside the measured time; how long it took and how large the file is are reported.
    const seeding = `seeded in ${(seeded.seedMs / 1000).toFixed(0)} s, file ${fileMb.toLocaleString('en', { maximumFractionDigits: 0 })} MB`;
    ctx.print(`  seeded ${size.toLocaleString('en')} sessions in ${(seeded.seedMs / 1000).toFixed(1)} s (${fileMb.toFixed(0)} MB)`);
    for (const variant of variants) {
      const off = variant === 'cache-off';
      const tag = sizeLabel(size) + (off ? '-nocache' : '');
      const server = await startSessiond({
        name: `sessiond-sqlite-${tag}`,
        store: `sqlite:${dbPath}`,
        logDir: ctx.workDir,
        ...(off ? { env: { SESSIOND_CACHE_MAX_AGE_MS: '0' } } : {}),
      });
      const headers = { authorization: `Bearer ${seeded.ids[0]!}` };
      const check = (await expectJson(await fetch(`${server.url}/api/v1/session`, { headers }))) as { username?: string };
      if (check.username !== seeded.username) {
        await server.stop();
        throw new Error('GET /api/v1/session did not answer the seeded session');
      }
      rows.push(
        await measureValidation(
          ctx,
          server,
          {
            id: `sessiond-sqlite-${tag}`,
            label: `sessiond GET /api/v1/session, SQLite, ${size.toLocaleString('en')} sessions${off ? ', cache off' : ''}`,
            note: `Bearer rotates over ${headerSets.length.toLocaleString('en')} sessions; ${seeding}${off ? '; SESSIOND_CACHE_MAX_AGE_MS=0 (every check reads SQLite), not the shipped default, not used for targets' : ''}`,
          },
          { path: '/api/v1/session', headers, headerSets },
        ),
      );
    }
    return rows;
  } finally {
    removeSqliteFiles(dbPath);
  }
}
