import { readFileSync } from 'node:fs';
import { z } from 'zod';

const PackageJson = z.object({ name: z.literal('sessiond'), version: z.string().min(1) });

/**
 * The version of the installed sessiond package, read from its own package.json (two levels up
 * from src/cli/ and from dist/cli/ alike), so `--version` says what is installed, not what a
 * source file claims.
 */
export function packageVersion(): string {
  const file = new URL('../../package.json', import.meta.url);
  return PackageJson.parse(JSON.parse(readFileSync(file, 'utf8'))).version;
}
