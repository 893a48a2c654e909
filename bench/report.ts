import { writeFileSync } from 'node:fs';
import type { MachineInfo } from './machine.ts';
import type { Mode } from './modes.ts';
import { measured, type Group, type MeasuredRow, type Row, type TargetResult } from './results.ts';

/** Prints the results as a table and writes them as Markdown and JSON. */
export interface Report {
  mode: Mode['name'];
  machine: MachineInfo;
  settings: Omit<Mode, 'name'>;
  rows: Row[];
  targets: TargetResult[];
  elapsedSec: number;
}

const GROUP_TITLES: Record<Group, string> = {
  validation: '"Is this session valid, and whose is it?" (same run, same machine)',
  validator: 'Validating in the application (SessionValidator) and revocation latency',
  invalidate: 'invalidateSessions, 200 IDs a call',
  login: 'Login and the password hash',
  web: 'Web tier: project open, pooled vs fresh',
  soak: 'Soak: mixed load over time',
};

const num = (n: number | undefined, digits = 0) =>
  n === undefined || Number.isNaN(n) ? '—' : n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mb = (bytes: number | undefined) => (bytes ? `${(bytes / 2 ** 20).toFixed(0)} MB` : '—');
// autocannon's histogram has 1 ms buckets: 0 means under a millisecond.
const msText = (n: number | undefined) => (n === undefined ? '—' : n === 0 ? '< 1 ms' : `${num(n, n < 10 ? 2 : 1)} ms`);

function tableFor(group: Group, rows: readonly Row[], bare: MeasuredRow | undefined): string[][] {
  const header =
    group === 'validation'
      ? ['System', 'req/s', 'p50', 'p99', 'peak RSS', 'CPU/req', 'req/s ÷ bare', 'p99 ÷ bare', 'CPU/req ÷ bare', 'notes']
      : ['Scenario', 'rate', 'p50', 'p99', 'peak RSS', 'notes'];
  const body = rows
    .filter((r) => r.group === group)
    .map((r) => {
      if (r.status !== 'ok') {
        const cells = [r.label, r.status.toUpperCase(), '', '', '', r.reason];
        if (group === 'validation') cells.splice(5, 0, '', '', '', '');
        return cells;
      }
      const rate = r.perSec === undefined ? '—' : `${num(r.perSec, r.perSec < 100 ? 1 : 0)}${r.perSecUnit ? ` ${r.perSecUnit}` : ''}`;
      const note = [r.note, r.connections ? `${r.connections} conn.` : undefined].filter(Boolean).join('; ');
      if (group !== 'validation') return [r.label, rate, msText(r.p50Ms), msText(r.p99Ms), mb(r.peakRssBytes), note];
      // A row loaded in rounds with a bare route shows its ratio paired by round (what its target is judged on).
      const pairedToBare = r.extra?.pairedToBare;
      const vsRps = pairedToBare !== undefined ? `${pairedToBare.toFixed(2)}× (paired)` : bare?.perSec && r.perSec ? `${(r.perSec / bare.perSec).toFixed(2)}×` : '—';
      const vsP99 = bare?.p99Ms && r.p99Ms !== undefined ? `${(r.p99Ms / bare.p99Ms).toFixed(2)}×` : '—';
      const cpu = r.cpuUsPerRequest === undefined ? '—' : `${num(r.cpuUsPerRequest)} µs`;
      const vsCpu = bare?.cpuUsPerRequest && r.cpuUsPerRequest !== undefined ? `${(r.cpuUsPerRequest / bare.cpuUsPerRequest).toFixed(2)}×` : '—';
      return [r.label, rate, msText(r.p50Ms), msText(r.p99Ms), mb(r.peakRssBytes), cpu, vsRps, vsP99, vsCpu, note];
    });
  return [header, ...body];
}

/** A long run's figures per stretch (the soak's RSS and latency over time). */
function intervalTable(row: MeasuredRow): string[][] {
  const header = ['at', 'RSS', 'of it anon / file', 'logins in flight', 'V8 heap used / total (of it young)', 'external', 'ops/s', 'p50', 'p99', 'check p99', 'errors', 'server loop delay max', 'server loop waiting for a core', 'client loop delay max'];
  return [
    header,
    ...(row.intervals ?? []).map((i) => [
      `${i.atSec} s`,
      mb(i.rssBytes),
      `${mb(i.rssAnonBytes)} / ${mb(i.rssFileBytes)}`,
      i.loginsInFlight === undefined || Number.isNaN(i.loginsInFlight) ? '—' : num(i.loginsInFlight, 1),
      `${mb(i.heapUsedBytes)} / ${mb(i.heapTotalBytes)}${i.heapNewSpaceBytes === undefined || Number.isNaN(i.heapNewSpaceBytes) ? '' : ` (${mb(i.heapNewSpaceBytes)})`}`,
      mb(i.externalBytes),
      num(i.perSec),
      `${num(i.p50Ms, 2)} ms`,
      `${num(i.p99Ms, 1)} ms`,
      `${num(i.checkP99Ms, 1)} ms`,
      num(i.errors),
      Number.isNaN(i.loopDelayMaxMs) ? '—' : `${num(i.loopDelayMaxMs)} ms`,
      // Absent from runs recorded before these were measured.
      i.loopWaitForCpuMs === undefined || Number.isNaN(i.loopWaitForCpuMs) ? '—' : `${num(i.loopWaitForCpuMs)} ms`,
      i.clientLoopDelayMaxMs === undefined || Number.isNaN(i.clientLoopDelayMaxMs) ? '—' : `${num(i.clientLoopDelayMaxMs)} ms`,
    ]),
  ];
}

const withIntervals = (rows: readonly Row[], group: Group) =>
  rows.filter((r): r is MeasuredRow => r.group === group && r.status === 'ok' && (r.intervals?.length ?? 0) > 0);

function markdownTable(table: string[][]): string {
  const [header, ...body] = table;
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  return [
    `| ${header!.map(esc).join(' | ')} |`,
    `| ${header!.map(() => '---').join(' | ')} |`,
    ...body.map((row) => `| ${row.map(esc).join(' | ')} |`),
  ].join('\n');
}

function textTable(table: string[][]): string {
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => Math.min((row[i] ?? '').length, 60))));
  return table
    .map((row, n) => {
      const line = row.map((cell, i) => (cell.length > 60 ? cell.slice(0, 59) + '…' : cell).padEnd(widths[i]!)).join('  ');
      return n === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

const groups = (rows: readonly Row[]) => (Object.keys(GROUP_TITLES) as Group[]).filter((g) => rows.some((r) => r.group === g));

export function printReport(report: Report, print: (line: string) => void): void {
  const bare = measured(report.rows, 'bare-fastify');
  for (const group of groups(report.rows)) {
    print(`\n${GROUP_TITLES[group]}\n`);
    print(textTable(tableFor(group, report.rows, bare)));
    for (const row of withIntervals(report.rows, group)) {
      print(`\n${row.label}, every ${row.intervals![0]!.atSec} s\n`);
      print(textTable(intervalTable(row)));
    }
  }
  print('\nTargets\n');
  print(textTable([['Target', 'Measured', 'Verdict', 'Note'], ...report.targets.map((t) => [t.target, t.measured, t.verdict, t.note ?? ''])]));
}

export function writeReport(report: Report, markdownPath: string, jsonPath: string): void {
  const m = report.machine;
  const bare = measured(report.rows, 'bare-fastify');
  const lines = [
    `# sessiond benchmarks${report.mode === 'quick' ? ' (quick mode: short runs, 10 k sessions only)' : ''}`,
    '',
    'Written by `npm run bench' + (report.mode === 'quick' ? ' -- --quick' : '') + '`. Every system under test ran as its own process on 127.0.0.1, loaded from the bench process; ratios compare figures from this same run.',
    '',
    '## Machine',
    '',
    `- CPU: ${m.cpuModel}, ${m.cores} cores`,
    `- RAM: ${m.ramGiB} GiB`,
    `- Node.js: ${m.node}`,
    `- Date: ${m.date}`,
    `- Load average (1 min) at start: ${m.loadAverageAtStart}`,
    `- Commit: ${m.commit}`,
    `- Run: ${report.mode} mode, ${report.settings.durationSec} s measured after ${report.settings.warmupSec} s warm-up per load (rows measured in rounds: as their notes say), ${report.settings.connections} connections (autocannon), ${Math.round(report.elapsedSec)} s in all`,
    '',
  ];
  for (const group of groups(report.rows)) {
    lines.push(`## ${GROUP_TITLES[group]}`, '', markdownTable(tableFor(group, report.rows, bare)), '');
    for (const row of withIntervals(report.rows, group)) {
      lines.push(`${row.label}, every ${row.intervals![0]!.atSec} s:`, '', markdownTable(intervalTable(row)), '');
    }
  }
  lines.push(
    '## Targets',
    '',
    markdownTable([['Target', 'Measured', 'Verdict', 'Note'], ...report.targets.map((t) => [t.target, t.measured, `**${t.verdict}**`, t.note ?? ''])]),
    '',
    '## How to read this',
    '',
    '- req/s counts 2xx answers only; a run with any non-2xx answer or socket error fails instead of reporting.',
    '- p50/p99 of the load runs come from autocannon, whose histogram has 1 ms resolution; invalidateSessions and the password hash are timed per call at sub-millisecond resolution.',
    '- CPU/req is the server process\'s user + system CPU time over the measured run divided by the requests it answered (from /proc/<pid>/stat): unlike req/s it does not count time spent waiting for a core, so it is the steadier figure on a busy machine.',
    '- Peak RSS is the highest VmRSS of the server process (from /proc/<pid>/status, every 100 ms) over its whole life, start-up included (sessiond\'s SQLite files are seeded before it starts).',
    '- sessiond runs as shipped: `node --import tsx src/cli/main.ts serve`, log level info, scrypt N=16384, and the validation cache as each store ships it: on for SQLite (exact on one node: ends by the node evict at once, and a commit by another process empties it), off for PostgreSQL and Redis (SESSIOND_CACHE_MAX_AGE_MS unset). Its SQLite stores are seeded before start with real session IDs and hashes; each seeded session was last seen at a random moment in the last minute (the touch interval), so idle timers slide during the run at the steady rate a live store sees, and requests rotate over 1,000 sessions spread through the store.',
    '- Peers run as plain JavaScript without the tsx loader, with NODE_ENV=production (as sessiond does).',
    '- What bounds each missed target (profiles and per-request CPU breakdowns): [NOTES.md](NOTES.md).',
    '',
  );
  writeFileSync(markdownPath, lines.join('\n'));
  writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
}
