import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SCRYPT } from '../../src/core/password.ts';
import type { Row } from '../results.ts';
import { seedSqlite } from '../seed-sqlite.ts';
import { startSessiond } from '../sessiond-server.ts';
import { expectJson, measureValidation, type BenchContext } from './context.ts';

/**
 * `GET /api/v1/session` with a valid Bearer ID, sessiond on SQLite holding `size` sessions.
 * Each entry of `cacheVariants` is one server run on the same seeded file: 0 is the shipped
 * setting (validation cache off); a value > 0 turns the node's validated-session cache on for
 * that many ms, to show what it buys. Targets are judged on the shipped setting only.
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

export async function validateSqlite(ctx: BenchContext, size: number, cacheVariants: readonly number[] = [0]): Promise<Row[]> {
  const dbPath = join(ctx.workDir, `sessiond-${sizeLabel(size)}.db`);
  const rows: Row[] = [];
  try {
    const seeded = await seedSqlite({ path: dbPath, sessions: size, keepIds: ROTATE_OVER, scrypt: DEFAULT_SCRYPT });
    const headerSets = seeded.ids.map((id) => ({ authorization: `Bearer ${id}` }));
    ctx.print(`  seeded ${size.toLocaleString('en')} sessions in ${(seeded.seedMs / 1000).toFixed(1)} s`);
    for (const cacheMs of cacheVariants) {
      const tag = sizeLabel(size) + (cacheMs > 0 ? '-cache' : '');
      const server = await startSessiond({
        name: `sessiond-sqlite-${tag}`,
        store: `sqlite:${dbPath}`,
        logDir: ctx.workDir,
        ...(cacheMs > 0 ? { env: { SESSIOND_CACHE_MAX_AGE_MS: String(cacheMs) } } : {}),
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
            label: `sessiond GET /api/v1/session, SQLite, ${size.toLocaleString('en')} sessions${cacheMs > 0 ? ', cache on' : ''}`,
            note: `Bearer rotates over ${headerSets.length.toLocaleString('en')} sessions${cacheMs > 0 ? `; SESSIOND_CACHE_MAX_AGE_MS=${cacheMs}, not the shipped default, not used for targets` : ''}`,
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
