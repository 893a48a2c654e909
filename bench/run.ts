import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPendingCleanups } from './cleanup.ts';
import { killAllNow, stopAll } from './launcher.ts';
import { machineInfo } from './machine.ts';
import { FULL, QUICK } from './modes.ts';
import { printReport, writeReport } from './report.ts';
import type { Group, Row } from './results.ts';
import type { BenchContext } from './scenarios/context.ts';
import { invalidateSessions } from './scenarios/invalidate.ts';
import { soapHostile } from './scenarios/soap-hostile.ts';
import { soapXmlCost } from './scenarios/soap-xml-cost.ts';
import { login } from './scenarios/login.ts';
import { otherStores } from './scenarios/other-stores.ts';
import { PEER_IDS } from './scenarios/peers.ts';
import { soak } from './scenarios/soak.ts';
import { sizeLabel, validationRounds } from './scenarios/validate-sqlite.ts';
import { validatorScenario } from './scenarios/validator.ts';
import { webPool } from './scenarios/web-pool.ts';
import { evaluateTargets } from './targets.ts';

/**
 * `npm run bench [-- --quick]`: runs every scenario in turn (the soak last: 10 minutes, or
 * SOAK_SECONDS), each server in its own process,
 * then prints the table and writes RESULTS.md and results.json in bench/ (RESULTS-quick.md and
 * results-quick.json in quick mode, -partial with --only=<ids>, so neither replaces the
 * recorded full run).
 * Whatever happens — an error, Ctrl-C — every process it started is stopped.
 */
const args = process.argv.slice(2);
const onlyArg = args.find((a) => a.startsWith('--only='));
const only = onlyArg ? new Set(onlyArg.slice('--only='.length).split(',')) : undefined;
const unknown = args.filter((a) => a !== '--quick' && a !== onlyArg);
if (unknown.length > 0) {
  process.stderr.write(`usage: npm run bench [-- --quick] [-- --only=<scenario id>,...]  (unknown: ${unknown.join(' ')})\n`);
  process.exit(2);
}
const mode = args.includes('--quick') ? QUICK : FULL;
const benchDir = fileURLToPath(new URL('.', import.meta.url));
process.chdir(join(benchDir, '..'));

const workDir = mkdtempSync(join(tmpdir(), 'sessiond-bench-'));
let keepWorkDir = false;
const print = (line: string) => process.stdout.write(`${line}\n`);
const ctx: BenchContext = { mode, workDir, print };

function cleanup(): void {
  if (!keepWorkDir) rmSync(workDir, { recursive: true, force: true });
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    print(`\n${signal}: stopping every server this bench started and removing its databases and keys…`);
    stopAll()
      .then(() => runPendingCleanups(print))
      .finally(() => {
        cleanup();
        process.exit(130);
      });
  });
}
// Last resort if the process dies some other way: no server outlives the bench.
process.on('exit', killAllNow);

type Scenario = {
  id: string;
  label: string;
  group: Group;
  run: (ctx: BenchContext) => Promise<Row | Row[]>;
  /** Row ids that `--only` may name to select this scenario (besides its own id). */
  rowIds?: readonly string[];
};
// Issue 15: 10 M sessions (full mode, or named with --only): seeding takes minutes and is not timed.
const sqliteSizes = mode.name === 'full' || only?.has('sessiond-sqlite-10m') ? [...mode.sqliteSizes, 10_000_000] : [...mode.sqliteSizes];
const sqliteRowIds = sqliteSizes.map((size) => `sessiond-sqlite-${sizeLabel(size)}`);
/** With --only naming some of the validation rows, just those run (in rounds with each other). */
const namedOrAll = (id: string) => !only || only.has('validation-rounds') || only.has(id);
const scenarios: Scenario[] = [
  {
    id: 'validation-rounds',
    label: `bare Fastify route, sessiond on SQLite (${sqliteSizes.map((s) => s.toLocaleString('en')).join(', ')} sessions) and the peer stacks, in rounds`,
    group: 'validation',
    rowIds: ['bare-fastify', ...sqliteRowIds, ...PEER_IDS],
    run: (c) =>
      validationRounds(c, {
        bare: namedOrAll('bare-fastify'),
        sizes: sqliteSizes.filter((size) => namedOrAll(`sessiond-sqlite-${sizeLabel(size)}`)),
        // The largest of the mode's own sizes also runs once with the validation cache off.
        ...(mode.uncachedVariant && namedOrAll(`sessiond-sqlite-${sizeLabel(Math.max(...mode.sqliteSizes))}`) ? { uncachedSize: Math.max(...mode.sqliteSizes) } : {}),
        peers: PEER_IDS.filter(namedOrAll),
      }),
  },
  { id: 'sessiond-other-stores', label: 'sessiond on PostgreSQL and Redis', group: 'validation', run: otherStores },
  { id: 'validator', label: 'SessionValidator, JWT verification and revocation latency', group: 'validator', run: validatorScenario },
  { id: 'invalidate', label: 'invalidateSessions (REST, SOAP)', group: 'invalidate', run: invalidateSessions },
  { id: 'soap-xml-cost', label: 'SOAP XML parse + serialize alone', group: 'invalidate', run: soapXmlCost },
  { id: 'soap-hostile', label: 'session checks while a hostile SOAP envelope is sent', group: 'validation', run: soapHostile },
  { id: 'login', label: 'login and password hash', group: 'login', run: login },
  { id: 'web-pool', label: 'web tier pooled vs fresh open', group: 'web', run: webPool },
  { id: 'soak', label: 'soak: mixed load at 70 % of max rate (SQLite)', group: 'soak', run: soak },
];

const started = Date.now();
const rows: Row[] = [];
print(`sessiond bench, ${mode.name} mode (${mode.durationSec} s per load, ${mode.connections} connections); scratch in ${workDir}`);
try {
  for (const scenario of scenarios) {
    if (interrupted) break;
    if (only && ![scenario.id, ...(scenario.rowIds ?? [])].some((id) => only.has(id))) continue;
    print(`▶ ${scenario.label}`);
    const t0 = Date.now();
    try {
      const result = await scenario.run(ctx);
      for (const row of Array.isArray(result) ? result : [result]) {
        rows.push(row);
        if (row.status === 'skipped') print(`  skipped ${row.label}: ${row.reason}`);
        else if (row.status === 'failed') print(`  FAILED ${row.label}: ${row.reason}`);
      }
    } catch (error) {
      keepWorkDir = true;
      const reason = error instanceof Error ? error.message : String(error);
      print(`  FAILED: ${reason}`);
      rows.push({ status: 'failed', group: scenario.group, id: scenario.id, label: scenario.label, reason });
    } finally {
      await stopAll();
    }
    print(`  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
} finally {
  await stopAll();
  await runPendingCleanups(print);
}

const report = {
  mode: mode.name,
  machine: machineInfo(),
  settings: (({ name: _name, ...rest }) => rest)(mode),
  rows,
  targets: evaluateTargets(rows, mode),
  elapsedSec: (Date.now() - started) / 1000,
};
printReport(report, print);
// A partial or quick run never replaces the recorded full run.
const suffix = only ? '-partial' : mode.name === 'quick' ? '-quick' : '';
writeReport(report, join(benchDir, `RESULTS${suffix}.md`), join(benchDir, `results${suffix}.json`));
print(`\nwrote bench/RESULTS${suffix}.md and bench/results${suffix}.json (${Math.round(report.elapsedSec)} s)`);
if (keepWorkDir) print(`server logs kept in ${workDir} (a scenario failed)`);
if (mode.name === 'quick') print('quick mode: short runs on a possibly busy machine; use the full run for figures to quote');
cleanup();
process.exitCode = rows.some((r) => r.status === 'failed') ? 1 : 0;
