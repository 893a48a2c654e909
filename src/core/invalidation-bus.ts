/**
 * Tells every node that sessions ended, so caches evict them. SQLite (one node) uses the
 * in-process bus; PostgreSQL uses LISTEN/NOTIFY; Redis uses pub/sub.
 */
export interface InvalidationBus {
  publish(idHashes: ReadonlyArray<string>): Promise<void>;
  subscribe(listener: (idHashes: ReadonlyArray<string>) => void): void;
  /**
   * Optional: called when messages may have been missed (the bus lost its connection, or got it
   * back), so a node drops its whole cache instead of waiting out the age bound.
   */
  onGap?(listener: () => void): void;
  close(): Promise<void>;
}

/** The in-process bus: enough when only one node uses the store. */
export class LocalInvalidationBus implements InvalidationBus {
  private listeners: Array<(idHashes: ReadonlyArray<string>) => void> = [];
  async publish(idHashes: ReadonlyArray<string>): Promise<void> {
    for (const listener of this.listeners) listener(idHashes);
  }
  subscribe(listener: (idHashes: ReadonlyArray<string>) => void): void {
    this.listeners.push(listener);
  }
  async close(): Promise<void> {
    this.listeners = [];
  }
}
