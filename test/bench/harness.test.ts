import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, stopAll } from '../../bench/launcher.ts';
import type { LoadResult } from '../../bench/load.ts';
import { machineInfo } from '../../bench/machine.ts';
import { QUICK } from '../../bench/modes.ts';
import { readCpuMs } from '../../bench/process-cpu.ts';
import { writeReport } from '../../bench/report.ts';
import type { Row } from '../../bench/results.ts';
import { readRss } from '../../bench/rss-sampler.ts';
import { MixedOps, SOAK_MIX, type OpKind } from '../../bench/mixed-ops.ts';
import { FLOOR_IDS, invalidateFloorRows } from '../../bench/scenarios/invalidate-floor.ts';
import { levelChange, rssWithoutLoginBacklog, soakSeconds, warmupSeconds } from '../../bench/scenarios/soak.ts';
import { cpuPerRequest, medianOfRatios, overBareEitherSide, ratioOfRatios } from '../../bench/scenarios/validation-rounds.ts';
import { WEB_FLOOR_ID } from '../../bench/scenarios/web-pool.ts';
import { seedSqlite } from '../../bench/seed-sqlite.ts';
import { percentile } from '../../bench/sequential.ts';
import { evaluateTargets } from '../../bench/targets.ts';
import { buildInvalidateResults } from '../../src/core/invalidate.ts';
import { hashSecretId, isWellFormedSessionId } from '../../src/core/secret-id.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { ADMIN_PASSWORD, addUser, login, startTestServer } from '../helpers/server.ts';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const row = (id: string, perSec: number, p99Ms: number, extra: Partial<Row> = {}): Row =>
  ({ status: 'ok', group: 'validation', id, label: id, perSec, p50Ms: 1, p99Ms, ...extra }) as Row;

describe('bench harness', () => {
  test('reads memory and CPU time of a process from /proc', { skip: process.platform !== 'linux' && 'Linux only' }, () => {
    assert.ok((readRss(process.pid) ?? 0) > 10 * 2 ** 20, 'this process uses more than 10 MB');
    assert.ok((readCpuMs(process.pid) ?? 0) > 0);
    assert.equal(readRss(2 ** 22 + 12345), undefined, 'a process that does not exist has no RSS');
  });

  test('a launched server answers on 127.0.0.1, has a peak RSS, and is gone after stop', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
    t.after(async () => {
      await stopAll();
      rmSync(dir, { recursive: true, force: true });
    });
    const server = await launch({ name: 'bare', args: ['bench/peers/bare-fastify.mjs'], logDir: dir, readyPath: '/session' });
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const body = (await (await fetch(`${server.url}/session`)).json()) as { user: { username: string } };
    assert.equal(body.user.username, 'bench-user');
    await server.stop();
    assert.ok(server.peakRss() > 0);
    assert.equal(alive(server.pid), false, 'the server process has exited');
  });

  test('a server that dies before answering fails the launch with its log named', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    await assert.rejects(
      launch({ name: 'broken', args: ['-e', 'process.exit(3)'], logDir: dir, readyPath: '/' }),
      /broken exited \(3\) before it answered; see .*broken\.log/,
    );
  });

  test('seeded SQLite sessions are real: the store finds each kept ID by its hash, with its owner', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 's.db');
    const seeded = await seedSqlite({ path, sessions: 500, keepIds: 3, scrypt: { algorithm: 'scrypt', N: 1024, r: 8, p: 1 } });
    assert.equal(seeded.ids.length, 3);
    const store = openSqliteStore(path);
    try {
      for (const id of seeded.ids) assert.ok(isWellFormedSessionId(id));
      const first = await store.sessions.findByHash(hashSecretId(seeded.ids[0]!));
      assert.equal(first?.username, seeded.username, 'the first kept ID belongs to the bench user');
      for (const id of seeded.ids.slice(1)) assert.ok(await store.sessions.findByHash(hashSecretId(id)));
      const page = await store.sessions.list({ limit: 1000 }, Date.now());
      assert.equal(page.sessions.length, 500, 'every seeded session is live and listed (indexes rebuilt)');
      assert.ok(await store.users.find(seeded.username), 'the bench user exists');
    } finally {
      await store.close();
    }
  });

  test('percentile picks the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(values, 50), 50);
    assert.equal(percentile(values, 99), 99);
    assert.equal(percentile([7], 99), 7);
    assert.ok(Number.isNaN(percentile([], 50)));
  });

  test('targets pass, miss, or say NOT RUN with the reason; quick mode says the 10 k figure stands in', () => {
    const rows: Row[] = [
      row('bare-fastify', 10_000, 4),
      row('sessiond-sqlite-10k', 9_000, 6),
      row('fastify-session', 3_000, 10),
      row('express-session-redis', 2_000, 20),
      { status: 'ok', group: 'invalidate', id: 'invalidate-rest', label: 'rest', p50Ms: 2.5, p99Ms: 12 },
      { status: 'skipped', group: 'invalidate', id: 'invalidate-soap', label: 'soap', reason: 'no SOAP here' },
    ];
    const targets = evaluateTargets(rows, QUICK);
    const verdict = (prefix: string) => targets.find((t) => t.target.startsWith(prefix));
    assert.equal(verdict('Validation (SQLite, 1 M) req/s ≥ 0.85')?.verdict, 'PASS');
    assert.match(verdict('Validation (SQLite, 1 M) req/s ≥ 0.85')?.note ?? '', /10 k figure stands in/);
    assert.equal(verdict('Validation (SQLite, 1 M) p99')?.verdict, 'PASS');
    assert.equal(verdict('Validation (SQLite, 1 M) req/s ≥ 2.5')?.verdict, 'PASS');
    assert.equal(verdict('Validation (SQLite, 1 M) req/s ≥ 8')?.verdict, 'MISS', '9000 / 2000 is 4.5, under 8');
    assert.equal(verdict('invalidateSessions 200 IDs over REST (SQLite): p50')?.verdict, 'PASS');
    assert.equal(verdict('invalidateSessions 200 IDs over REST (SQLite): p99')?.verdict, 'MISS');
    assert.equal(verdict('invalidateSessions over SOAP')?.verdict, 'NOT RUN');
    assert.equal(verdict('invalidateSessions over SOAP')?.note, 'no SOAP here');
    assert.equal(verdict('1 M vs 10 k')?.verdict, 'NOT RUN');
    assert.equal(verdict('Pooled web')?.verdict, 'NOT RUN');
    assert.equal(verdict('Validation while 4 connections send the hostile SOAP envelope')?.verdict, 'NOT RUN');
  });

  test('validation rounds are judged on each run over the bare runs either side of it, not on a ratio of two medians', () => {
    const run = (requestsPerSec: number) => ({ requestsPerSec }) as LoadResult;
    // Round 1 runs slow throughout, round 2 fast; in round 3 the machine doubles its speed while the
    // row runs: a bare run from elsewhere in the round (20 k or 40 k) would make it 1.43× or 0.71×.
    const toBare = overBareEitherSide([
      { run: run(19_000), bareBefore: run(20_000), bareAfter: run(20_000) },
      { run: run(40_000), bareBefore: run(40_000), bareAfter: run(40_000) },
      { run: run(28_566), bareBefore: run(20_000), bareAfter: run(40_000) },
    ]);
    assert.deepEqual(medianOfRatios(toBare), { median: 1.0, each: '0.95, 1.00, 1.01' });
    // Two rows compare through their own bare runs, round by round: the 10 M store ran in a slow
    // minute of round 1 (9.5 k req/s beside bare runs of 10 k) and the 10 k store in a fast one
    // (20 k beside 20 k); as rates that is 0.48×, against the bare route 0.95×.
    const tenM = overBareEitherSide([{ run: run(9_500), bareBefore: run(10_000), bareAfter: run(10_000) }]);
    const tenK = overBareEitherSide([{ run: run(20_000), bareBefore: run(20_000), bareAfter: run(20_000) }]);
    assert.deepEqual(ratioOfRatios(tenM, tenK), { median: 0.95, each: '0.95' });
    assert.deepEqual(ratioOfRatios([0.95, 1.0, 0.98], [1.0, 1.0, 1.0]), { median: 0.98, each: '0.95, 1.00, 0.98' });
    assert.equal(ratioOfRatios([0.95, 1.0, 0.98], [1.0, 1.0]), undefined, 'rounds that do not pair up give no ratio');
    const targets = evaluateTargets(
      [
        row('bare-fastify', 40_000, 4),
        row('sessiond-sqlite-10k', 30_000, 6, { extra: { pairedToBare: 0.9 } } as Partial<Row>),
        row('sessiond-sqlite-1m', 20_000, 6, { extra: { pairedToBare: 0.86, pairedTo10k: 0.95 } } as Partial<Row>),
      ],
      QUICK,
    );
    const verdict = (prefix: string) => targets.find((t) => t.target.startsWith(prefix));
    assert.equal(verdict('Validation (SQLite, 1 M) req/s ≥ 0.85')?.measured, '0.86×', 'the paired ratio, not 20,000 / 40,000');
    assert.equal(verdict('1 M vs 10 k')?.measured, '5.0 % apart');
    assert.equal(verdict('1 M vs 10 k')?.verdict, 'PASS');
  });

  test("target 1's CPU a request is judged as well, on each round's CPU over the bare route's in that round", () => {
    const run = (requestsPerSec: number, cpuUsPerRequest?: number) => ({ requestsPerSec, ...(cpuUsPerRequest === undefined ? {} : { cpuUsPerRequest }) }) as LoadResult;
    // The machine runs at half speed in round 2: every process's CPU a request doubles with it.
    const bare = [run(40_000, 30), run(20_000, 60), run(40_000, 30)];
    const sessiond = [run(40_000, 33), run(20_000, 75), run(40_000, 36)];
    const eitherSide = (runs: LoadResult[]) => runs.map((r, i) => ({ run: r, bareBefore: bare[i]!, bareAfter: bare[i]! }));
    assert.deepEqual(medianOfRatios(overBareEitherSide(eitherSide(sessiond), cpuPerRequest)), { median: 1.2, each: '1.10, 1.25, 1.20' });
    assert.equal(medianOfRatios(overBareEitherSide(eitherSide([run(40_000), ...sessiond.slice(1)]), cpuPerRequest)), undefined, 'a round whose CPU was not read gives no ratio');
    const judged = (rows: Row[]) => evaluateTargets(rows, QUICK).find((t) => t.target.startsWith('Validation (SQLite, 1 M) CPU per request'));
    const bareRow = row('bare-fastify', 40_000, 4, { cpuUsPerRequest: 31 });
    assert.deepEqual(
      judged([bareRow, row('sessiond-sqlite-1m', 40_000, 4, { cpuUsPerRequest: 40, extra: { cpuPairedToBare: 1.16 } } as Partial<Row>)]),
      { target: 'Validation (SQLite, 1 M) CPU per request ≤ 1.2 × bare Fastify', measured: '1.16×', verdict: 'PASS' },
      'the paired ratio, not 40 / 31',
    );
    assert.equal(judged([bareRow, row('sessiond-sqlite-1m', 40_000, 4, { cpuUsPerRequest: 40 })])?.verdict, 'MISS', 'unpaired: 40 / 31 is 1.29');
    assert.equal(judged([row('bare-fastify', 40_000, 4), row('sessiond-sqlite-1m', 40_000, 4)])?.verdict, 'NOT RUN', 'no CPU time read, no verdict');
  });

  test('a peer loaded in the same rounds is judged on sessiond\'s ratio to the bare route over its own, round by round, not on a ratio of two medians', () => {
    const run = (requestsPerSec: number) => ({ requestsPerSec }) as LoadResult;
    // The peer's median round (12 k) came in a fast minute, sessiond's median (20 k) in a slow one;
    // against the bare runs either side of each, sessiond ran at 1.0× bare and the peer at 0.4×.
    const sessiond = [run(20_000), run(30_000), run(15_000)];
    const peer = [run(12_000), run(8_000), run(6_000)];
    const overBare = (runs: LoadResult[], bare: number[]) => overBareEitherSide(runs.map((r, i) => ({ run: r, bareBefore: run(bare[i]!), bareAfter: run(bare[i]!) })));
    assert.deepEqual(ratioOfRatios(overBare(sessiond, [20_000, 30_000, 15_000]), overBare(peer, [30_000, 20_000, 15_000])), { median: 2.5, each: '2.50, 2.50, 2.50' });
    const targets = evaluateTargets(
      [
        row('sessiond-sqlite-10k', 20_000, 6),
        row('sessiond-sqlite-1m', 20_000, 6),
        row('fastify-session', 12_000, 10, { extra: { pairedSessiond1m: 2.5, pairedSessiond10k: 2.4 } } as Partial<Row>),
        row('express-session-redis', 2_000, 20),
      ],
      QUICK,
    );
    const verdict = (prefix: string) => targets.find((t) => t.target.startsWith(prefix));
    assert.equal(verdict('Validation (SQLite, 1 M) req/s ≥ 2.5')?.measured, '2.50×', 'the 1 M row\'s paired ratio, not 20,000 / 12,000');
    assert.equal(verdict('Validation (SQLite, 1 M) req/s ≥ 2.5')?.verdict, 'PASS');
    assert.equal(verdict('Validation (SQLite, 1 M) req/s ≥ 8')?.measured, '10.00×', 'a peer run on its own is still judged on the two medians');
    const quick = evaluateTargets([row('sessiond-sqlite-10k', 20_000, 6), row('fastify-session', 12_000, 10, { extra: { pairedSessiond10k: 2.4 } } as Partial<Row>)], QUICK);
    assert.equal(quick.find((t) => t.target.startsWith('Validation (SQLite, 1 M) req/s ≥ 2.5'))?.measured, '2.40×', 'without 1 M, the 10 k row stands in, paired as well');
  });

  test('the invalidate floors are measured on a real bare route and real files, and the targets read their sum beside the verdict', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
    t.after(async () => {
      await stopAll();
      rmSync(dir, { recursive: true, force: true });
    });
    // The bare route answers exactly what sessiond's REST route answers for 200 ended sessions.
    const ids = Array.from({ length: 200 }, (_, i) => `id-${i}`);
    const storeFile = join(dir, 'store.db');
    await openSqliteStore(storeFile).close();
    const rows = await invalidateFloorRows({ mode: QUICK, workDir: dir, print: () => {} }, storeFile, [JSON.stringify({ sessionIds: ids }), JSON.stringify({ sessionIds: ids })]);
    assert.deepEqual(rows.map((r) => r.id), Object.values(FLOOR_IDS));
    for (const r of rows) assert.ok((r.p50Ms ?? 0) > 0 && (r.p99Ms ?? 0) >= (r.p50Ms ?? 0), `${r.id} has a p50 and a p99`);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('floor-')), [], 'the append floor leaves no file behind');
    const bare = await launch({ name: 'bare', args: ['bench/peers/bare-fastify.mjs'], logDir: dir, readyPath: '/session' });
    const answer = await fetch(`${bare.url}/sessions/invalidate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sessionIds: ids }) });
    assert.deepEqual(await answer.json(), { results: buildInvalidateResults(ids.map(() => ({}))) });

    const rest: Row = { status: 'ok', group: 'invalidate', id: 'invalidate-rest', label: 'rest', p50Ms: 5, p99Ms: 12 };
    const floor = (id: string, p50Ms: number, p99Ms: number): Row => ({ status: 'ok', group: 'invalidate', id, label: id, p50Ms, p99Ms });
    const targets = evaluateTargets([rest, floor(FLOOR_IDS.http, 0.6, 4), floor(FLOOR_IDS.append, 0.3, 0.9), floor(FLOOR_IDS.reads, 0.7, 1.1)], QUICK);
    const p50 = targets.find((x) => x.target.startsWith('invalidateSessions 200 IDs over REST (SQLite): p50'));
    assert.equal(p50?.verdict, 'MISS', 'the floor explains a miss, it does not excuse it');
    assert.match(p50?.note ?? '', /this run's floor 1\.60 ms \(bare HTTP exchange 0\.60 ms, durable append 0\.30 ms, 200 page reads 0\.70 ms/);
    assert.match(targets.find((x) => x.target.includes('p99 ≤ 10 ms'))?.note ?? '', /at p99: bare HTTP exchange 4\.00 ms/);
    assert.equal(evaluateTargets([rest], QUICK).find((x) => x.target.includes('p50 ≤ 3 ms'))?.note, undefined, 'no floor measured, no note');
  });

  test('the pooled open target names what 20× needs and the floor at the pooled open\'s place', () => {
    const web = (id: string, p50Ms: number, extra?: Record<string, number>): Row => ({ status: 'ok', group: 'web', id, label: id, p50Ms, p99Ms: p50Ms * 2, ...(extra ? { extra } : {}) });
    const targets = evaluateTargets([web('web-fresh-open', 20), web('web-pooled-open', 2.5, { speedup: 8 }), web(WEB_FLOOR_ID, 1.25)], QUICK);
    const pooled = targets.find((x) => x.target.startsWith('Pooled web'));
    assert.equal(pooled?.verdict, 'MISS');
    assert.equal(pooled?.note, "20× needs the pooled open within 1.00 ms (fresh p50 ÷ 20); this run's floor there (GET /livez right after a fresh open) 1.25 ms, at most 16.00×");
  });

  test('the hostile SOAP target judges the attacked rate against the unattacked one', () => {
    const attacked = (connections: number, ratio: number): Row => row(`soap-hostile-${connections}`, 9_000 * ratio, 6, { extra: { ratio } } as Partial<Row>);
    const targets = evaluateTargets([attacked(1, 0.93), attacked(4, 0.71)], QUICK);
    const verdict = (connections: number) => targets.find((t) => t.target.startsWith(`Validation while ${connections} connection`));
    assert.equal(verdict(1)?.verdict, 'PASS');
    assert.equal(verdict(1)?.measured, '0.93×');
    assert.equal(verdict(4)?.verdict, 'MISS');
  });

  test('the report names the machine and shows each verdict, and the JSON holds every row', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const rows: Row[] = [row('bare-fastify', 10_000, 4, { cpuUsPerRequest: 25 }), row('sessiond-sqlite-10k', 5_000, 9, { cpuUsPerRequest: 50 })];
    const { name: _name, ...settings } = QUICK;
    const report = { mode: 'quick' as const, machine: machineInfo(), settings, rows, targets: evaluateTargets(rows, QUICK), elapsedSec: 1 };
    writeReport(report, join(dir, 'R.md'), join(dir, 'r.json'));
    const md = readFileSync(join(dir, 'R.md'), 'utf8');
    assert.ok(md.includes(report.machine.cpuModel));
    assert.ok(md.includes(`Node.js: ${process.version}`));
    assert.match(md, /\| sessiond-sqlite-10k \| 5,000 \|.*\| 50 µs \| 0\.50× \| 2\.25× \| 2\.00× \|/);
    assert.match(md, /\*\*MISS\*\*/);
    assert.ok(existsSync(join(dir, 'r.json')));
    assert.equal((JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as { rows: Row[] }).rows.length, 2);
  });

  test('the soak mix is 90 % checks, 5 % invalidations, 3 % logouts, 2 % logins', () => {
    const counts: Record<OpKind, number> = { check: 0, invalidate: 0, logout: 0, login: 0 };
    for (let i = 0; i < 10_000; i++) counts[MixedOps.pick((i + 0.5) / 10_000)]++;
    assert.deepEqual(counts, { check: 9000, invalidate: 500, logout: 300, login: 200 });
    assert.equal(Object.values(SOAK_MIX).reduce((a, b) => a + b), 100);
  });

  test('the soak lasts SOAK_SECONDS when set, and its warm-up is a fifth of it, 20 to 120 s in whole intervals', (t) => {
    const saved = process.env.SOAK_SECONDS;
    t.after(() => (saved === undefined ? delete process.env.SOAK_SECONDS : (process.env.SOAK_SECONDS = saved)));
    delete process.env.SOAK_SECONDS;
    assert.equal(soakSeconds(600), 600);
    process.env.SOAK_SECONDS = '120';
    assert.equal(soakSeconds(600), 120);
    for (const bad of ['2m', '20', '125']) {
      process.env.SOAK_SECONDS = bad;
      assert.throws(() => soakSeconds(600), /SOAK_SECONDS must be/);
    }
    assert.deepEqual([30, 60, 120, 600, 1200].map(warmupSeconds), [20, 20, 30, 120, 120]);
  });

  test('the soak compares memory levels as medians of a window after the warm-up and at the end, not single samples', () => {
    const at = (atSec: number, mb: number) => ({ atSec, rssBytes: mb * 2 ** 20, rssAnonBytes: 0, rssFileBytes: 0, heapUsedBytes: 0, heapTotalBytes: 0, externalBytes: 0, loopDelayMaxMs: 1, loopWaitForCpuMs: 0, clientLoopDelayMaxMs: 0, perSec: 1, p50Ms: 1, p99Ms: 1, checkP99Ms: 1, errors: 0 });
    // 10 minutes: the warm-up's samples are left out; two minutes (12 samples) on each side; every
    // third sample high (hashes in flight) and one low sample at the end change nothing.
    const samples = Array.from({ length: 60 }, (_, i) => at((i + 1) * 10, i < 6 ? 300 : i === 59 ? 120 : 150 + (i % 3 === 0 ? 40 : 0)));
    const rss = levelChange(samples, 60, (i) => i.rssBytes);
    assert.equal(rss.before / 2 ** 20, 150);
    assert.equal(rss.after / 2 ** 20, 150);
    assert.equal(rss.changePct, 0);
    // A steady climb shows.
    const climbing = Array.from({ length: 12 }, (_, i) => at((i + 1) * 10, 100 + i * 5));
    assert.ok(levelChange(climbing, 30, (i) => i.rssBytes).changePct > 10);
  });

  test('beside the verdict, the soak compares memory over the stretches where logins did not queue (their hashes hold memory while they wait for a core)', () => {
    const at = (atSec: number, mb: number, loginsInFlight: number) => ({ atSec, rssBytes: mb * 2 ** 20, rssAnonBytes: 0, rssFileBytes: 0, loginsInFlight, heapUsedBytes: 0, heapTotalBytes: 0, externalBytes: 0, loopDelayMaxMs: 1, loopWaitForCpuMs: 0, clientLoopDelayMaxMs: 0, perSec: 1, p50Ms: 1, p99Ms: 1, checkP99Ms: 1, errors: 0 });
    // Flat at 170 MB; the last third has logins queued behind four running hashes (+76 MB).
    const samples = Array.from({ length: 18 }, (_, i) => (i < 12 ? at((i + 1) * 10, 170, i % 2) : at((i + 1) * 10, 246, 40)));
    assert.ok(levelChange(samples, 20, (i) => i.rssBytes).changePct > 10);
    const calm = rssWithoutLoginBacklog(samples, 20);
    assert.equal(calm?.stretches, 10);
    assert.equal(calm?.changePct, 0);
    // Growth while logins were calm still shows; no calm stretch at all gives no figure.
    assert.ok(rssWithoutLoginBacklog(samples.map((s, i) => (i < 12 ? { ...s, rssBytes: (150 + i * 5) * 2 ** 20 } : s)), 20)!.changePct > 10);
    assert.equal(rssWithoutLoginBacklog(samples.map((s) => ({ ...s, loginsInFlight: 5 })), 20), undefined);
  });

  test('the soak client does each operation of the mix against a real server, every answer right', async (t) => {
    const server = await startTestServer();
    t.after(() => server.close());
    const admin = await login(server.url, 'admin', ADMIN_PASSWORD);
    await addUser(server.url, admin.sessionId, 'soaker', 'soak-password-1');
    const checked = [(await login(server.url, 'soaker', 'soak-password-1')).sessionId];
    const toEnd = [(await login(server.url, 'soaker', 'soak-password-1')).sessionId, (await login(server.url, 'soaker', 'soak-password-1')).sessionId];
    const ops = new MixedOps({ url: server.url, checked, toEnd, usernames: ['soaker'], password: 'soak-password-1', maxSockets: 4 });
    t.after(() => ops.close());
    const results = [];
    for (const kind of ['check', 'invalidate', 'logout', 'login', 'logout'] as const) results.push(await ops.run(kind));
    assert.deepEqual(results.map((r) => r.error), [undefined, undefined, undefined, undefined, undefined]);
    assert.ok(results.every((r) => r.ms > 0));
    // Both seeded sessions and the login's are ended now; the pool is empty, and says so.
    for (const id of toEnd) assert.equal((await fetch(`${server.url}/api/v1/session`, { headers: { authorization: `Bearer ${id}` } })).status, 401);
    assert.equal(ops.poolSize, 0);
    assert.match((await ops.run('logout')).error ?? '', /no session left to log out/);
  });

  test('the soak\'s targets: RSS within 10 % of the warm-up level, 0 errors, a steady check p99; its intervals are in the report', (t) => {
    const soakRow = (extra: Record<string, number>): Row => ({
      status: 'ok',
      group: 'soak',
      id: 'soak-sqlite',
      label: 'soak',
      perSec: 700,
      perSecUnit: 'ops/s',
      p50Ms: 1,
      p99Ms: 30,
      extra,
      intervals: [
        { atSec: 10, rssBytes: 150 * 2 ** 20, rssAnonBytes: 120 * 2 ** 20, rssFileBytes: 30 * 2 ** 20, loginsInFlight: 2.5, heapUsedBytes: 40 * 2 ** 20, heapTotalBytes: 60 * 2 ** 20, externalBytes: 5 * 2 ** 20, loopDelayMaxMs: 12.3, loopWaitForCpuMs: 85.4, clientLoopDelayMaxMs: 21, perSec: 700, p50Ms: 1, p99Ms: 31, checkP99Ms: 4.5, errors: 0 },
        { atSec: 20, rssBytes: 152 * 2 ** 20, rssAnonBytes: Number.NaN, rssFileBytes: Number.NaN, heapUsedBytes: Number.NaN, heapTotalBytes: Number.NaN, externalBytes: Number.NaN, loopDelayMaxMs: Number.NaN, loopWaitForCpuMs: Number.NaN, clientLoopDelayMaxMs: Number.NaN, perSec: 701, p50Ms: 1, p99Ms: 29, checkP99Ms: 4.25, errors: 0 },
      ],
    });
    const judged = (extra: Record<string, number>) =>
      evaluateTargets([soakRow(extra)], QUICK)
        .filter((r) => r.target.startsWith('Soak'))
        .map((r) => r.verdict);
    assert.deepEqual(judged({ rssChangePct: 4.2, errors: 0, p99Trend: 1.1 }), ['PASS', 'PASS', 'PASS']);
    assert.deepEqual(judged({ rssChangePct: 12, errors: 3, p99Trend: 2 }), ['MISS', 'MISS', 'MISS']);
    assert.deepEqual(judged({ rssChangePct: -11, errors: 0, p99Trend: Number.NaN }), ['MISS', 'PASS', 'NOT RUN']);
    assert.deepEqual(
      evaluateTargets([], QUICK).filter((r) => r.target.startsWith('Soak')).map((r) => r.note),
      ['soak did not run', 'soak did not run', 'soak did not run'],
    );

    const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const rows = [soakRow({ rssChangePct: 1, errors: 0, p99Trend: 1 })];
    const { name: _name, ...settings } = QUICK;
    writeReport({ mode: 'quick', machine: machineInfo(), settings, rows, targets: evaluateTargets(rows, QUICK), elapsedSec: 1 }, join(dir, 'R.md'), join(dir, 'r.json'));
    const md = readFileSync(join(dir, 'R.md'), 'utf8');
    assert.match(md, /## Soak: mixed load over time/);
    // Logins in flight: 2.5 in the first stretch; not read in the second (a run recorded before it was).
    assert.match(md, /\| 10 s \| 150 MB \| 120 MB \/ 30 MB \| 2\.5 \| 40 MB \/ 60 MB \| 5 MB \| 700 \|.*\| 0 \| 12 ms \| 85 ms \| 21 ms \|/);
    assert.match(md, /\| 20 s \| 152 MB \| — \/ — \| — \| — \/ — \| — \| 701 \| 1\.00 ms \| 29\.0 ms \| 4\.3 ms \| 0 \| — \| — \| — \|/);
  });
});
