import { openMemoryStore } from '../../src/store/memory/memory-store.ts';
import { runStoreConformance } from './conformance.ts';

/**
 * The in-memory reference store runs the same suite as every other store: where they differ,
 * the reference says what the ports mean. It keeps nothing across a restart and has no write
 * that can fail part-way, so those two cases say they skipped and why.
 */
runStoreConformance('memory', async () => {
  const store = openMemoryStore();
  return {
    store,
    async cleanup() {
      await store.close();
    },
    rawDump: async () => store.dump(),
  };
});
