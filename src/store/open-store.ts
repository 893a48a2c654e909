import type { StoreUrl } from '../config.ts';
import { LocalInvalidationBus, type InvalidationBus, type SessionStore } from '../core/session-store.ts';
import { SqliteStore } from './sqlite/sqlite-store.ts';

export interface OpenedStore {
  store: SessionStore;
  bus: InvalidationBus;
}

/** Opens the store a config names, with the invalidation bus that fits it. */
export async function openStore(url: StoreUrl): Promise<OpenedStore> {
  switch (url.kind) {
    case 'sqlite':
      return { store: new SqliteStore(url.path), bus: new LocalInvalidationBus() };
    default:
      throw new Error(`SESSIOND_STORE: the ${url.kind} store is not available in this build`);
  }
}
