import type { Mode } from './modes.ts';
import { measured, type Row, type TargetResult } from './results.ts';
import { FLOOR_IDS } from './scenarios/invalidate-floor.ts';
import { WEB_FLOOR_ID } from './scenarios/web-pool.ts';

/**
 * The targets, judged on figures from this run only. A target whose figures were not
 * measured says NOT RUN with the reason; in quick mode (no 1 M store) the 10 k figures stand
 * in for the 1 M ones and the note says so.
 */
const x = (n: number) => `${n.toFixed(2)}×`;
const ms = (n: number) => `${n.toFixed(2)} ms`;

export function evaluateTargets(rows: readonly Row[], mode: Mode): TargetResult[] {
  const out: TargetResult[] = [];
  const bare = measured(rows, 'bare-fastify');
  const big = measured(rows, 'sessiond-sqlite-1m');
  const small = measured(rows, 'sessiond-sqlite-10k');
  const v = big ?? small;
  const standIn = big ? undefined : small ? `1 M not run (${mode.name} mode): 10 k figure stands in` : undefined;
  const judge = (target: string, value: number | undefined, pass: (n: number) => boolean, show: (n: number) => string, missing: string, note?: string) => {
    if (value === undefined || Number.isNaN(value)) out.push({ target, measured: '—', verdict: 'NOT RUN', note: missing });
    else out.push({ target, measured: show(value), verdict: pass(value) ? 'PASS' : 'MISS', ...(note ? { note } : {}) });
  };
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? a / b : undefined);

  // Rows measured in rounds carry their ratio paired by round (validate-sqlite.ts says why).
  judge('Validation (SQLite, 1 M) req/s ≥ 0.85 × bare Fastify', v?.extra?.pairedToBare ?? ratio(v?.perSec, bare?.perSec), (n) => n >= 0.85, x, 'needs bare Fastify and sessiond on SQLite', standIn);
  // Target 1's second half: the server's CPU a request, which the load generator's share of the cores does not cap.
  judge(
    'Validation (SQLite, 1 M) CPU per request ≤ 1.2 × bare Fastify',
    v?.extra?.cpuPairedToBare ?? ratio(v?.cpuUsPerRequest, bare?.cpuUsPerRequest),
    (n) => n <= 1.2,
    x,
    'needs bare Fastify and sessiond on SQLite, with their CPU time read (Linux /proc)',
    standIn,
  );
  judge('Validation (SQLite, 1 M) p99 ≤ 2 × bare Fastify p99', ratio(v?.p99Ms, bare?.p99Ms), (n) => n <= 2, x, 'needs bare Fastify and sessiond on SQLite', standIn);
  // Against a peer: sessiond's rate over the peer's, paired by round when they ran in the same rounds.
  const overPeer = (id: string) => {
    const p = measured(rows, id);
    return p?.extra?.[big ? 'pairedSessiond1m' : 'pairedSessiond10k'] ?? ratio(v?.perSec, p?.perSec);
  };
  judge('Validation (SQLite, 1 M) req/s ≥ 2.5 × @fastify/session (memory)', overPeer('fastify-session'), (n) => n >= 2.5, x, 'needs @fastify/session and sessiond on SQLite', standIn);
  judge('Validation (SQLite, 1 M) req/s ≥ 8 × express-session + connect-redis', overPeer('express-session-redis'), (n) => n >= 8, x, 'needs express-session + connect-redis (Redis) and sessiond on SQLite', standIn);

  const growth = big && small && small.perSec ? Math.abs(1 - (big.extra?.pairedTo10k ?? (big.perSec ?? 0) / small.perSec)) : undefined;
  judge('1 M vs 10 k sessions: validation req/s within 10 %', growth, (n) => n <= 0.1, (n) => `${(n * 100).toFixed(1)} % apart`, `needs both store sizes (${mode.name} mode runs ${mode.sqliteSizes.map(String).join(', ')})`);
  judge('Server RSS < 200 MB with 1 M sessions on SQLite', big?.peakRssBytes ? big.peakRssBytes / 2 ** 20 : undefined, (n) => n < 200, (n) => `${n.toFixed(0)} MB peak`, `1 M sessions not run (${mode.name} mode)`);

  const huge = measured(rows, 'sessiond-sqlite-10m');
  const hugeGrowth = huge && small && small.perSec ? Math.abs(1 - (huge.extra?.pairedTo10k ?? (huge.perSec ?? 0) / small.perSec)) : undefined;
  judge('10 M vs 10 k sessions: validation req/s within 10 %', hugeGrowth, (n) => n <= 0.1, (n) => `${(n * 100).toFixed(1)} % apart`, 'needs 10 M and 10 k sessions (full mode, or --only=sessiond-sqlite-10k,sessiond-sqlite-10m)');
  judge('Server RSS < 250 MB with 10 M sessions on SQLite', huge?.peakRssBytes ? huge.peakRssBytes / 2 ** 20 : undefined, (n) => n < 250, (n) => `${n.toFixed(0)} MB peak`, '10 M sessions not run');

  // Issue 15: the shared stores, as ratios against the bare route of the same run.
  for (const [id, what, floor] of [
    ['sessiond-postgres', 'PostgreSQL, cache off', 0.25],
    ['sessiond-postgres-cached', 'PostgreSQL, cache on', 0.6],
    ['sessiond-redis', 'Redis, cache off', 0.5],
  ] as const) {
    const row = measured(rows, id);
    judge(`Validation (${what}) req/s ≥ ${floor} × bare Fastify`, row?.extra?.pairedToBare ?? ratio(row?.perSec, bare?.perSec), (n) => n >= floor, x, 'needs bare Fastify and sessiond-other-stores');
  }

  const rest = measured(rows, 'invalidate-rest');
  judge('invalidateSessions 200 IDs over REST (SQLite): p50 ≤ 3 ms', rest?.p50Ms, (n) => n <= 3, ms, 'invalidate scenario did not run', invalidateFloorNote(rows, 'p50Ms'));
  judge('invalidateSessions 200 IDs over REST (SQLite): p99 ≤ 10 ms', rest?.p99Ms, (n) => n <= 10, ms, 'invalidate scenario did not run', invalidateFloorNote(rows, 'p99Ms'));
  const soap = measured(rows, 'invalidate-soap');
  const soapReason = rows.find((r) => r.id === 'invalidate-soap' && r.status !== 'ok');
  judge('invalidateSessions over SOAP within 1.5 × REST (p50)', ratio(soap?.p50Ms, rest?.p50Ms), (n) => n <= 1.5, x, soapReason && 'reason' in soapReason ? soapReason.reason : 'SOAP scenario did not run');

  const check = measured(rows, 'validator-check');
  const fastJwt = measured(rows, 'jwt-fast-jwt');
  judge('SessionValidator.check, warm cache: ≥ 1,000,000 checks/s on one core', check?.perSec, (n) => n >= 1_000_000, (n) => `${Math.round(n).toLocaleString('en')}/s`, 'validator scenario did not run');
  judge('SessionValidator.check ≥ 5 × fast-jwt HS256 verification', ratio(check?.perSec, fastJwt?.perSec), (n) => n >= 5, x, 'validator scenario did not run');
  for (const [id, where] of [
    ['revocation-sqlite', 'one node, SQLite'],
    ['revocation-postgres', 'two nodes, PostgreSQL'],
    ['revocation-redis', 'two nodes, Redis'],
  ] as const) {
    const row = measured(rows, id);
    const reason = rows.find((r) => r.id === id && r.status !== 'ok');
    judge(`Revocation p99 ≤ 50 ms (${where})`, row?.p99Ms, (n) => n <= 50, ms, reason && 'reason' in reason ? reason.reason : 'validator scenario did not run');
  }

  // Issue 16: an unauthenticated SOAP sender must not take the node's session checks away.
  for (const connections of [1, 4]) {
    const attacked = measured(rows, `soap-hostile-${connections}`);
    const reason = rows.find((r) => r.id === 'soap-hostile' && r.status !== 'ok');
    judge(
      `Validation while ${connections} connection${connections === 1 ? '' : 's'} send${connections === 1 ? 's' : ''} the hostile SOAP envelope every 130 ms: ≥ 0.80 × unattacked rate`,
      attacked?.extra?.ratio,
      (n) => n >= 0.8,
      x,
      reason && 'reason' in reason ? reason.reason : 'soap-hostile scenario did not run',
    );
  }

  const web = measured(rows, 'web-pooled-open');
  const webReason = rows.find((r) => r.id === 'web-pooled-open' && r.status !== 'ok');
  const fresh = measured(rows, 'web-fresh-open')?.p50Ms;
  const webFloor = measured(rows, WEB_FLOOR_ID)?.p50Ms;
  const webFloorNote =
    fresh !== undefined && webFloor !== undefined
      ? `20× needs the pooled open within ${ms(fresh / 20)} (fresh p50 ÷ 20); this run's floor there (GET /livez right after a fresh open) ${ms(webFloor)}, at most ${x(fresh / webFloor)}`
      : undefined;
  judge('Pooled web project open ≥ 20 × faster than a fresh upstream login', web?.extra?.speedup, (n) => n >= 20, x, webReason && 'reason' in webReason ? webReason.reason : 'web scenario did not run', webFloorNote);

  const soak = measured(rows, 'soak-sqlite');
  const soakReason = rows.find((r) => r.id === 'soak' && r.status !== 'ok');
  const soakMissing = soakReason && 'reason' in soakReason ? soakReason.reason : 'soak did not run';
  judge('Soak: server RSS at the end within 10 % of its level after the warm-up', soak?.extra?.rssChangePct, (n) => Math.abs(n) <= 10, (n) => `${n >= 0 ? '+' : ''}${n.toFixed(1)} %`, soakMissing);
  judge('Soak: 0 errors', soak?.extra?.errors, (n) => n === 0, (n) => `${n} errors`, soakMissing);
  judge(
    'Soak: check p99 steady (median per-interval p99 of the second half ≤ 1.5 × the first half\'s, after warm-up)',
    soak?.extra?.p99Trend,
    (n) => n <= 1.5,
    x,
    soak ? 'too short a run for two halves after the warm-up (SOAK_SECONDS)' : soakMissing,
  );
  return out;
}

/**
 * This run's floors of a 200-ID invalidate (invalidate-floor.ts) beside its target: at p50 their
 * sum, the time of a call that did nothing else; at p99 each one's own (tails do not add up).
 */
function invalidateFloorNote(rows: readonly Row[], at: 'p50Ms' | 'p99Ms'): string | undefined {
  const [http, append, reads] = [FLOOR_IDS.http, FLOOR_IDS.append, FLOOR_IDS.reads].map((id) => measured(rows, id)?.[at]);
  if (http === undefined || append === undefined || reads === undefined) return undefined;
  const parts = `bare HTTP exchange ${ms(http)}, durable append ${ms(append)}, 200 page reads ${ms(reads)}`;
  return at === 'p50Ms' ? `this run's floor ${ms(http + append + reads)} (${parts}: p50s added)` : `this run's floors at p99: ${parts}`;
}
