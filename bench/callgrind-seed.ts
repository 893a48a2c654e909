import { writeFileSync } from 'node:fs';
import { DEFAULT_SCRYPT } from '../src/core/password.ts';
import { seedSqlite } from './seed-sqlite.ts';

/**
 * `npx tsx bench/callgrind-seed.ts <db> <ids.json>`: the store bench/callgrind-validation.sh
 * reads, as bench/ab-validation.ts seeds it (10 k sessions; the first 1,000 IDs, which the
 * client rotates over, written as a JSON array). The file holds live session IDs: keep it in a
 * private temporary directory and delete it after.
 */
const [dbPath, idsPath] = process.argv.slice(2);
if (dbPath === undefined || idsPath === undefined) throw new Error('usage: bench/callgrind-seed.ts <db> <ids.json>');
const { ids } = await seedSqlite({ path: dbPath, sessions: 10_000, keepIds: 1000, scrypt: DEFAULT_SCRYPT });
writeFileSync(idsPath, JSON.stringify(ids), { mode: 0o600 });
