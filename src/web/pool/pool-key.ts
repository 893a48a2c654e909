import type { PoolKeyParts } from '../../esm/types.ts';

/**
 * The pool key: (upstream, project, upstream principal), plus an ESM's own part when it
 * supplies one. The module's part is only ever added, so a module can split the pool (by
 * tenant, by role) but never make a session of one principal fit another.
 */

export function poolKey(parts: PoolKeyParts, moduleKey: string | null): string {
  const base = [parts.upstream, parts.project, parts.login];
  return JSON.stringify(moduleKey === null ? base : [...base, moduleKey]);
}
