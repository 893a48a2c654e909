import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SCRYPT } from '../../src/core/password.ts';
import { launch } from '../launcher.ts';
import type { Row } from '../results.ts';
import { seedSqlite } from '../seed-sqlite.ts';
import { startSessiond } from '../sessiond-server.ts';
import { expectJson, measureValidation, type BenchContext } from './context.ts';
import { peer, startPeer, type PeerId } from './peers.ts';
import { loadInRounds, type RoundParticipant } from './validation-rounds.ts';

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

export interface ValidationRoundsPlan {
  /** The bare Fastify route, the ceiling the validation targets are ratios of. */
  bare: boolean;
  /** SQLite store sizes, each on its own seeded file and server. */
  sizes: readonly number[];
  /** After the rounds, this size runs once more with the validation cache off (not a target). */
  uncachedSize?: number;
  /** The peer stacks loaded in the same rounds (peers.ts). */
  peers: readonly PeerId[];
}

/**
 * "Is this session valid, and whose is it?" on the bare Fastify route, on sessiond over SQLite
 * at each store size (`GET /api/v1/session` with a valid Bearer ID, sessiond as it ships: the
 * validated-session cache on) and on the peer stacks. Every file is seeded first (outside the
 * measured time; how long it took and the file's size are reported); then every server runs at
 * once and they are loaded in turn, in rounds (validation-rounds.ts): the 10 k, 1 M and 10 M
 * figures, the bare route they are divided by and the peers they are compared with come from
 * the same minutes, and the targets are judged on ratios paired within each round.
 */
export async function validationRounds(ctx: BenchContext, plan: ValidationRoundsPlan): Promise<Row[]> {
  const files: string[] = [];
  const participants: RoundParticipant[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  try {
    const seededSizes = [];
    for (const size of plan.sizes) {
      const dbPath = join(ctx.workDir, `sessiond-${sizeLabel(size)}.db`);
      files.push(dbPath);
      const seeded = await seedSqlite({ path: dbPath, sessions: size, keepIds: ROTATE_OVER, scrypt: DEFAULT_SCRYPT });
      const fileMb = statSync(dbPath).size / 2 ** 20;
      ctx.print(`  seeded ${size.toLocaleString('en')} sessions in ${(seeded.seedMs / 1000).toFixed(1)} s (${fileMb.toFixed(0)} MB)`);
      seededSizes.push({ size, dbPath, seeded, seeding: `seeded (flushed to disk) in ${(seeded.seedMs / 1000).toFixed(0)} s, file ${fileMb.toLocaleString('en', { maximumFractionDigits: 0 })} MB` });
    }

    if (plan.bare) {
      const server = await launch({ name: 'bare-fastify', args: peer('bare-fastify.mjs'), logDir: ctx.workDir, readyPath: '/session' });
      participants.push({ id: 'bare-fastify', label: 'bare Fastify route (ceiling)', note: 'fixed JSON user, no lookup; loaded with the same rotating Bearer headers as the rows it is compared with (it ignores them)', server, path: '/session' });
    }
    for (const { size, dbPath, seeded, seeding } of seededSizes) {
      const server = await startSessiond({ name: `sessiond-sqlite-${sizeLabel(size)}`, store: `sqlite:${dbPath}`, logDir: ctx.workDir });
      const headerSets = seeded.ids.map((id) => ({ authorization: `Bearer ${id}` }));
      const check = (await expectJson(await fetch(`${server.url}/api/v1/session`, { headers: headerSets[0]! }))) as { username?: string };
      if (check.username !== seeded.username) throw new Error('GET /api/v1/session did not answer the seeded session');
      participants.push({
        id: `sessiond-sqlite-${sizeLabel(size)}`,
        label: `sessiond GET /api/v1/session, SQLite, ${size.toLocaleString('en')} sessions`,
        note: `Bearer rotates over ${headerSets.length.toLocaleString('en')} sessions; ${seeding}`,
        server,
        path: '/api/v1/session',
        headerSets,
      });
    }

    // The peers after sessiond's rows: the bare route is loaded with the first rotating headers in
    // the list. A peer that cannot start is a row of its own; the rounds go on without it.
    const unmeasuredPeers: Row[] = [];
    for (const id of plan.peers) {
      try {
        const started = await startPeer(ctx, id);
        if ('skipped' in started) unmeasuredPeers.push(started.skipped);
        else {
          participants.push(started.participant);
          cleanups.push(started.cleanup);
        }
      } catch (error) {
        unmeasuredPeers.push({ status: 'failed', group: 'validation', id, label: id, reason: error instanceof Error ? error.message : String(error) });
      }
    }

    const rows: Row[] = [...(await loadInRounds(ctx, participants, 'bare-fastify')), ...unmeasuredPeers];

    // What the cache buys: the same file once more, every check reading SQLite.
    const uncached = seededSizes.find((s) => s.size === plan.uncachedSize);
    if (uncached) {
      const server = await startSessiond({
        name: `sessiond-sqlite-${sizeLabel(uncached.size)}-nocache`,
        store: `sqlite:${uncached.dbPath}`,
        logDir: ctx.workDir,
        env: { SESSIOND_CACHE_MAX_AGE_MS: '0' },
      });
      const headerSets = uncached.seeded.ids.map((id) => ({ authorization: `Bearer ${id}` }));
      rows.push(
        await measureValidation(
          ctx,
          server,
          {
            id: `sessiond-sqlite-${sizeLabel(uncached.size)}-nocache`,
            label: `sessiond GET /api/v1/session, SQLite, ${uncached.size.toLocaleString('en')} sessions, cache off`,
            note: `Bearer rotates over ${headerSets.length.toLocaleString('en')} sessions; ${uncached.seeding}; SESSIOND_CACHE_MAX_AGE_MS=0 (every check reads SQLite), not the shipped default, not used for targets; one run, after the rounds`,
          },
          { path: '/api/v1/session', headers: headerSets[0]!, headerSets },
        ),
      );
    }
    return rows;
  } finally {
    for (const p of participants) await p.server.stop();
    for (const cleanup of cleanups) await cleanup();
    for (const f of files) removeSqliteFiles(f);
  }
}
