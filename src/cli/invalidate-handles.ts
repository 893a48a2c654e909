import { readFile } from 'node:fs/promises';
import { SingleBar, Presets } from 'cli-progress';
import type { SessionService } from '../core/session-service.ts';
import { MAX_IDS_PER_CALL } from '../core/status-codes.ts';

export interface InvalidateSummary {
  ended: number;
  notFound: number;
}

/** Reads handles (one a line; blank lines and `#` comments skipped). */
export async function readHandlesFile(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** Ends sessions by handle in batches of 200, with a progress bar on stderr when it is a terminal. */
export async function invalidateHandles(service: SessionService, handles: string[], showProgress: boolean): Promise<InvalidateSummary> {
  const bar = showProgress ? new SingleBar({ format: 'ending sessions [{bar}] {value}/{total} handles', stream: process.stderr }, Presets.shades_classic) : null;
  bar?.start(handles.length, 0);
  const summary: InvalidateSummary = { ended: 0, notFound: 0 };
  try {
    for (let start = 0; start < handles.length; start += MAX_IDS_PER_CALL) {
      const batch = handles.slice(start, start + MAX_IDS_PER_CALL);
      const results = await service.invalidateByHandles('cli', batch);
      for (const r of results) r.success ? summary.ended++ : summary.notFound++;
      bar?.increment(batch.length);
    }
  } finally {
    bar?.stop();
  }
  return summary;
}
