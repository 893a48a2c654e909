import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SCRYPT } from '../../src/core/password.ts';
import type { Row } from '../results.ts';
import { seedSqlite } from '../seed-sqlite.ts';
import { percentile, timeSequentialCalls, type Answer, type CallSpec } from '../sequential.ts';
import { startSessiond } from '../sessiond-server.ts';
import type { BenchContext } from './context.ts';
import { FLOOR_IDS, invalidateFloorRows } from './invalidate-floor.ts';
import { removeSqliteFiles } from './validate-sqlite.ts';

/**
 * invalidateSessions with 200 IDs a call, on SQLite, over REST and (when src/api/soap serves
 * it) SOAP, against the same server and store. Every call ends 200 fresh live sessions seeded
 * beforehand, and every answer must say all 200 ended. Calls go one after another on one
 * connection: the figure is the latency of one call, and sessions ended per second follows.
 */
const BATCH = 200;
const BACKGROUND_SESSIONS = 10_000;
const SOAP_PATH = '/services/Soap/u/60.0';

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function soapInvalidateEnvelope(callerId: string, ids: readonly string[]): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com">' +
    `<soapenv:Header><urn:SessionHeader><urn:sessionId>${escapeXml(callerId)}</urn:sessionId></urn:SessionHeader></soapenv:Header>` +
    '<soapenv:Body><urn:invalidateSessions>' +
    ids.map((id) => `<urn:sessionIds>${escapeXml(id)}</urn:sessionIds>`).join('') +
    '</urn:invalidateSessions></soapenv:Body></soapenv:Envelope>'
  );
}

/** Whether the server answers SOAP at all (an empty invalidateSessions ends nothing). */
async function routesSoap(baseUrl: string, callerId: string): Promise<boolean> {
  const probe = await fetch(baseUrl + SOAP_PATH, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: soapInvalidateEnvelope(callerId, []) });
  await probe.arrayBuffer();
  return probe.status !== 404;
}

function restCall(callerId: string, ids: readonly string[]): CallSpec {
  return {
    method: 'POST',
    path: '/api/v1/sessions/invalidate',
    headers: { authorization: `Bearer ${callerId}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sessionIds: ids }),
  };
}

function soapCall(callerId: string, ids: readonly string[]): CallSpec {
  return {
    method: 'POST',
    path: SOAP_PATH,
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '""' },
    body: soapInvalidateEnvelope(callerId, ids),
  };
}

function checkRest(answer: Answer): void {
  if (answer.status !== 200) throw new Error(`REST invalidate answered ${answer.status}: ${answer.body.slice(0, 300)}`);
  const body = JSON.parse(answer.body) as { results?: Array<{ success?: boolean }> };
  const ended = body.results?.filter((r) => r.success === true).length ?? 0;
  if (ended !== BATCH) throw new Error(`REST invalidate ended ${ended} of ${BATCH} live sessions`);
}

function checkSoap(answer: Answer): void {
  if (answer.status !== 200) throw new Error(`SOAP invalidate answered ${answer.status}: ${answer.body.slice(0, 300)}`);
  const ended = answer.body.match(/<(?:\w+:)?success>true<\/(?:\w+:)?success>/g)?.length ?? 0;
  if (ended !== BATCH) throw new Error(`SOAP invalidate ended ${ended} of ${BATCH} live sessions`);
}

export async function invalidateSessions(ctx: BenchContext): Promise<Row[]> {
  const { invalidateCalls: calls, invalidateWarmupCalls: warmup } = ctx.mode;
  const soapSource = existsSync(join('src', 'api', 'soap'));
  const perApi = (warmup + calls) * BATCH;
  const targets = perApi * (soapSource ? 2 : 1);
  const dbPath = join(ctx.workDir, 'sessiond-invalidate.db');
  const rows: Row[] = [];
  try {
    const seeded = await seedSqlite({ path: dbPath, sessions: 1 + targets + BACKGROUND_SESSIONS, keepIds: 1 + targets, scrypt: DEFAULT_SCRYPT });
    ctx.print(`  seeded ${(1 + targets + BACKGROUND_SESSIONS).toLocaleString('en')} sessions in ${(seeded.seedMs / 1000).toFixed(1)} s`);
    const caller = seeded.ids[0]!;
    const batch = (offset: number, i: number) => seeded.ids.slice(1 + offset + i * BATCH, 1 + offset + (i + 1) * BATCH);
    const server = await startSessiond({ name: 'sessiond-invalidate', store: `sqlite:${dbPath}`, logDir: ctx.workDir });
    try {
      const soapRouted = soapSource ? await routesSoap(server.url, caller) : false;
      const withSoap = soapSource && soapRouted;
      // With SOAP, calls alternate REST, SOAP, REST, … so both see the same store and the same machine load.
      const perCall = withSoap ? 2 : 1;
      const run = await timeSequentialCalls(
        server.url,
        (warmup + calls) * perCall,
        (i) => (i % perCall === 0 ? restCall(caller, batch(0, Math.floor(i / perCall))) : soapCall(caller, batch(perApi, Math.floor(i / perCall)))),
        (answer, i) => (i % perCall === 0 ? checkRest(answer) : checkSoap(answer)),
      );
      const measuredCalls = run.latenciesMs.slice(warmup * perCall);
      const restRow = latencyRow('invalidate-rest', 'sessiond invalidateSessions, 200 IDs, REST (SQLite)', measuredCalls.filter((_, i) => i % perCall === 0));
      rows.push(restRow);

      const soapLabel = 'sessiond invalidateSessions, 200 IDs, SOAP (SQLite)';
      if (!soapSource) {
        rows.push({ status: 'skipped', group: 'invalidate', id: 'invalidate-soap', label: soapLabel, reason: 'src/api/soap does not exist in this tree' });
      } else if (!soapRouted) {
        rows.push({ status: 'skipped', group: 'invalidate', id: 'invalidate-soap', label: soapLabel, reason: `src/api/soap exists but the server does not route POST ${SOAP_PATH} yet` });
      } else {
        const soapRow = latencyRow('invalidate-soap', soapLabel, measuredCalls.filter((_, i) => i % perCall === 1));
        const extraMs = (soapRow.p50Ms ?? 0) - (restRow.p50Ms ?? 0);
        soapRow.extra = { ...soapRow.extra, overRestP50Ms: extraMs };
        soapRow.note = `${soapRow.note}; p50 ${extraMs >= 0 ? '+' : '−'}${Math.abs(extraMs).toFixed(2)} ms vs REST (calls alternate with REST's)`;
        rows.push(soapRow);
      }
      await server.stop();
      const rss = server.peakRss();
      for (const row of rows) if (row.status === 'ok') row.peakRssBytes = rss;
      // With the server stopped, so nothing competes: the same REST bodies, the store file as it is now.
      // A floor that cannot be measured is reported as such; the call's own rows stand.
      const restBodies = Array.from({ length: calls }, (_, i) => restCall(caller, batch(0, warmup + i)).body!);
      try {
        rows.push(...(await invalidateFloorRows(ctx, dbPath, restBodies)));
      } catch (error) {
        rows.push({ status: 'failed', group: 'invalidate', id: FLOOR_IDS.http, label: 'floor of a 200-ID call', reason: error instanceof Error ? error.message : String(error) });
      }
    } finally {
      await server.stop();
    }
  } finally {
    removeSqliteFiles(dbPath);
  }
  return rows;
}

function latencyRow(id: string, label: string, latenciesMs: number[]): Row & { status: 'ok' } {
  const totalMs = latenciesMs.reduce((a, b) => a + b, 0);
  const endedPerSec = (latenciesMs.length * BATCH) / (totalMs / 1000);
  return {
    status: 'ok',
    group: 'invalidate',
    id,
    label,
    perSec: latenciesMs.length / (totalMs / 1000),
    perSecUnit: 'calls/s',
    p50Ms: percentile(latenciesMs, 50),
    p99Ms: percentile(latenciesMs, 99),
    connections: 1,
    note: `${latenciesMs.length} calls in sequence, ${Math.round(endedPerSec).toLocaleString('en')} sessions ended/s`,
    extra: { calls: latenciesMs.length, sessionsEndedPerSec: endedPerSec },
  };
}
