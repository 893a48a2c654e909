import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/**
 * Compares two V8 heap snapshots (`.heapsnapshot`, as `--heapsnapshot-signal` writes them) by
 * what the objects are: for each constructor (or kind of string, array, code…), how many there
 * are and their own size in each, and the change. A snapshot is taken after a full GC, so what
 * it holds is what the process keeps, not garbage waiting to be collected: the honest answer to
 * "does the heap in use grow?" that the soak's per-stretch heap figures cannot give.
 *
 *   npx tsx bench/heap-diff.ts <earlier.heapsnapshot> <later.heapsnapshot> [rows]
 */

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface HeapGroup {
  count: number;
  bytes: number;
}

/** Node kinds whose `name` is content (a string's text, a number), grouped by kind alone. */
const CONTENT_NAMED = new Set(['string', 'concatenated string', 'sliced string', 'number', 'bigint', 'symbol', 'heap number']);

export function groupHeap(path: string): { groups: Map<string, HeapGroup>; totalBytes: number; totalCount: number } {
  const snap = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const groups = new Map<string, HeapGroup>();
  let totalBytes = 0;
  let totalCount = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!] ?? '?';
    const size = snap.nodes[i + sizeAt]!;
    const key = CONTENT_NAMED.has(type) ? `(${type})` : `${type}: ${(snap.strings[snap.nodes[i + nameAt]!] ?? '?').slice(0, 60)}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { count: 0, bytes: 0 }));
    group.count++;
    group.bytes += size;
    totalBytes += size;
    totalCount++;
  }
  return { groups, totalBytes, totalCount };
}

/** Lines for a report: the totals, then the groups whose size changed most, largest growth first. */
export function compareHeapSnapshots(earlierPath: string, laterPath: string, rows = 15): string[] {
  const a = groupHeap(earlierPath);
  const b = groupHeap(laterPath);
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(2)} MB`;
  const signed = (n: number, f: (n: number) => string) => `${n >= 0 ? '+' : '-'}${f(Math.abs(n))}`;
  const keys = new Set([...a.groups.keys(), ...b.groups.keys()]);
  const changes = [...keys].map((key) => {
    const before = a.groups.get(key) ?? { count: 0, bytes: 0 };
    const after = b.groups.get(key) ?? { count: 0, bytes: 0 };
    return { key, before, after, bytes: after.bytes - before.bytes };
  });
  changes.sort((x, y) => Math.abs(y.bytes) - Math.abs(x.bytes));
  return [
    `heap kept after a full GC: ${mb(a.totalBytes)} in ${a.totalCount} objects → ${mb(b.totalBytes)} in ${b.totalCount} (${signed(b.totalBytes - a.totalBytes, mb)}, ${signed(b.totalCount - a.totalCount, String)} objects)`,
    `largest changes by own size (count before → after):`,
    ...changes
      .slice(0, rows)
      .map((c) => `  ${signed(c.bytes, mb).padStart(11)}  ${String(c.before.count).padStart(8)} → ${String(c.after.count).padEnd(8)} ${c.key}`),
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [earlier, later, rows] = process.argv.slice(2);
  if (!earlier || !later) {
    console.error('usage: tsx bench/heap-diff.ts <earlier.heapsnapshot> <later.heapsnapshot> [rows]');
    process.exit(2);
  }
  for (const line of compareHeapSnapshots(earlier, later, rows ? Number(rows) : 15)) console.log(line);
}
