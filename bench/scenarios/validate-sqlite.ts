import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SCRYPT } from '../../src/core/password.ts';
import type { Row } from '../results.ts';
import { seedSqlite } from '../seed-sqlite.ts';
import { startSessiond } from '../sessiond-server.ts';
import { expectJson, measureValidation, type BenchContext } from './context.ts';

/** `GET /api/v1/session` with a valid Bearer ID, sessiond on SQLite holding `size` sessions. */
export function sizeLabel(size: number): string {
  return size >= 1_000_000 ? `${size / 1_000_000}m` : `${size / 1000}k`;
}

export function removeSqliteFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
}

export async function validateSqlite(ctx: BenchContext, size: number): Promise<Row> {
  const tag = sizeLabel(size);
  const dbPath = join(ctx.workDir, `sessiond-${tag}.db`);
  try {
    const seeded = await seedSqlite({ path: dbPath, sessions: size, keepIds: 1, scrypt: DEFAULT_SCRYPT });
    ctx.print(`  seeded ${size.toLocaleString('en')} sessions in ${(seeded.seedMs / 1000).toFixed(1)} s`);
    const server = await startSessiond({ name: `sessiond-sqlite-${tag}`, store: `sqlite:${dbPath}`, logDir: ctx.workDir });
    const headers = { authorization: `Bearer ${seeded.ids[0]!}` };
    const check = (await expectJson(await fetch(`${server.url}/api/v1/session`, { headers }))) as { username?: string };
    if (check.username !== seeded.username) {
      await server.stop();
      throw new Error('GET /api/v1/session did not answer the seeded session');
    }
    return await measureValidation(
      ctx,
      server,
      { id: `sessiond-sqlite-${tag}`, label: `sessiond GET /api/v1/session, SQLite, ${size.toLocaleString('en')} sessions` },
      { path: '/api/v1/session', headers },
    );
  } finally {
    removeSqliteFiles(dbPath);
  }
}
