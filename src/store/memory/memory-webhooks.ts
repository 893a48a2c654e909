import type { WebhookDeliveryState, WebhookRecord, Webhooks } from '../../core/ports/webhooks.ts';

interface Held {
  record: WebhookRecord;
  holder: string;
  leaseUntil: number;
}

/** Webhooks in memory, in creation order. */
export class MemoryWebhooks implements Webhooks {
  private readonly hooks = new Map<string, Held>();

  snapshot(): unknown {
    return [...this.hooks.values()].map((h) => h.record);
  }

  async create(record: WebhookRecord): Promise<void> {
    this.hooks.set(record.id, { record: copy(record), holder: '', leaseUntil: 0 });
  }

  async list(): Promise<WebhookRecord[]> {
    return [...this.hooks.values()]
      .map((h) => copy(h.record))
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  async delete(id: string): Promise<boolean> {
    return this.hooks.delete(id);
  }

  async lease(id: string, holder: string, now: number, until: number): Promise<WebhookRecord | null> {
    const held = this.hooks.get(id);
    if (!held || (held.leaseUntil >= now && held.holder !== holder)) return null;
    held.holder = holder;
    held.leaseUntil = until;
    return copy(held.record);
  }

  async settle(id: string, holder: string, state: WebhookDeliveryState): Promise<boolean> {
    const held = this.hooks.get(id);
    if (!held || held.holder !== holder) return false;
    Object.assign(held.record, state);
    held.holder = '';
    held.leaseUntil = 0;
    return true;
  }
}

function copy(record: WebhookRecord): WebhookRecord {
  return { ...record, events: [...record.events] };
}
