import { randomBytes } from 'node:crypto';
import { hashSecretId, isWellFormedHandle, isWellFormedSessionId, SESSION_ID_PREFIX } from '../src/core/secret-id.ts';

/**
 * Session IDs and handles in exactly the shipped formats (see src/core/secret-id.ts), drawn
 * from the CSPRNG in large blocks: one call per ID would spend most of the seeding time there.
 */
export function makeSessionIds(count: number): Array<{ id: string; hash: string; handle: string }> {
  const rows: Array<{ id: string; hash: string; handle: string }> = [];
  const block = 4096;
  for (let start = 0; start < count; start += block) {
    const n = Math.min(block, count - start);
    const idBytes = randomBytes(32 * n);
    const handleBytes = randomBytes(16 * n);
    for (let j = 0; j < n; j++) {
      const id = SESSION_ID_PREFIX + idBytes.subarray(32 * j, 32 * j + 32).toString('base64url');
      const handle = 'h_' + handleBytes.subarray(16 * j, 16 * j + 16).toString('base64url');
      rows.push({ id, hash: hashSecretId(id), handle });
    }
  }
  if (rows.length > 0 && (!isWellFormedSessionId(rows[0]!.id) || !isWellFormedHandle(rows[0]!.handle))) {
    throw new Error('seeded IDs no longer match the shipped format; update bench/session-ids.ts');
  }
  return rows;
}
