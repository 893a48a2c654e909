import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { WebhookSettings } from '../config.ts';
import type { Clock } from '../core/clock.ts';
import type { EventLog } from '../core/ports/event-log.ts';
import type { WebhookDeliveryState, WebhookRecord, Webhooks } from '../core/ports/webhooks.ts';
import type { SessionEventRecord } from '../core/types.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { EventFeed } from './event-feed.ts';
import { webhookUrlProblem } from './webhook-hosts.ts';
import { signatureOf } from './webhook-signature.ts';
import { eventJson } from './sse-frames.ts';

/** The state after a batch was delivered (or had nothing the webhook subscribes to). */
const delivered = (cursor: number): WebhookDeliveryState => ({
  cursor,
  failures: 0,
  failingSince: null,
  nextAttemptAt: 0,
  lastError: null,
  failed: false,
});

const stateOf = (h: WebhookDeliveryState): WebhookDeliveryState => ({
  cursor: h.cursor,
  failures: h.failures,
  failingSince: h.failingSince,
  nextAttemptAt: h.nextAttemptAt,
  lastError: h.lastError,
  failed: h.failed,
});

/**
 * Delivers the event log to webhooks, in the background of every node (issue 14). For each
 * webhook it takes the webhook's lease in the store, reads the events after its cursor, POSTs
 * the ones it subscribes to as one signed batch, and stores the new cursor (2xx) or the failure
 * with its backoff, then frees the lease. The cursor moves only after a 2xx, so delivery is at
 * least once and in order per endpoint, across restarts and nodes; the lease makes the nodes
 * deliver each batch once between them. Session calls never wait on any of it.
 */
export class WebhookDelivery {
  /** This node's name as a lease holder. */
  private readonly holder = `node-${randomUUID()}`;
  private readonly aborter = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private feed: { unsubscribe: () => void } | null = null;
  private following: Promise<void> | null = null;

  constructor(
    private readonly store: { webhooks: Webhooks; events: EventLog },
    private readonly eventFeed: EventFeed,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly settings: WebhookSettings,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.wake(), this.settings.pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Looks for due deliveries now (or once more after the round under way). */
  wake(): void {
    if (this.stopped) return;
    if (this.round) {
      this.again = true;
      return;
    }
    this.round = this.deliverDue()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'webhook delivery round failed; will retry'))
      .finally(() => {
        this.round = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Stops at shutdown: no new attempt, requests under way aborted (their batches stay undelivered and go out again later). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.aborter.abort();
    this.feed?.unsubscribe();
    this.feed = null;
    // A subscription still being made unsubscribes itself once it sees `stopped`.
    await this.following;
    await this.round;
  }

  private async deliverDue(): Promise<void> {
    const hooks = await this.store.webhooks.list();
    this.follow(hooks.length > 0);
    const { newest } = await this.store.events.bounds();
    const waiting = hooks.filter((h) => !h.failed);
    this.metrics.webhookLag.set(waiting.reduce((sum, h) => sum + Math.max(0, newest - h.cursor), 0));
    const now = this.clock.now();
    const due = waiting.filter((h) => h.nextAttemptAt <= now && h.cursor < newest);
    // Each webhook on its own: a slow or failing receiver holds up only its own deliveries.
    const more = await Promise.all(due.map((h) => this.deliverBatch(h.id)));
    if (more.some(Boolean)) this.again = true;
  }

  /** Follows the event feed only while some webhook exists, so a node without webhooks does not poll the log for them. */
  private follow(wanted: boolean): void {
    if (this.stopped) return;
    if (!wanted && this.feed) {
      this.feed.unsubscribe();
      this.feed = null;
    } else if (wanted && !this.feed && !this.following) {
      this.following = this.eventFeed
        .subscribe(() => this.wake())
        .then((subscription) => {
          if (this.stopped) subscription.unsubscribe();
          else this.feed = subscription;
        })
        .catch(() => undefined)
        .finally(() => (this.following = null));
    }
  }

  /** One batch for one webhook under its lease; answers whether more events may be waiting. */
  private async deliverBatch(id: string): Promise<boolean> {
    const now = this.clock.now();
    const hook = await this.store.webhooks.lease(id, this.holder, now, now + this.settings.leaseMs);
    // Another node has it, or it was deleted, or it became due elsewhere and is no longer.
    if (!hook || hook.failed || hook.nextAttemptAt > now || this.stopped) {
      if (hook) await this.store.webhooks.settle(id, this.holder, stateOf(hook));
      return false;
    }
    let state = stateOf(hook);
    let more = false;
    try {
      const page = await this.store.events.after(hook.cursor, this.settings.batchSize);
      if (page.length === 0) return false;
      const batch = page.filter((e) => hook.events.includes(e.type));
      const problem = batch.length === 0 ? null : await this.post(hook, batch);
      if (problem === null) {
        state = delivered(page.at(-1)!.seq);
        more = page.length === this.settings.batchSize;
        if (batch.length > 0) this.metrics.webhookDeliveries.inc({ outcome: 'delivered' });
      } else if (this.stopped) {
        // Cut off by shutdown, not the receiver's fault: the batch goes out again later, without a backoff.
        state = stateOf(hook);
      } else {
        state = this.failure(hook, problem);
        this.metrics.webhookDeliveries.inc({ outcome: state.failed ? 'gave_up' : 'failed' });
        this.logger.warn({ webhookId: hook.id, error: problem, failures: state.failures, failed: state.failed }, 'webhook delivery failed');
      }
      return more;
    } finally {
      const kept = await this.store.webhooks.settle(id, this.holder, state).catch((error: unknown) => {
        this.logger.warn({ err: error, webhookId: id }, 'could not store a webhook delivery state; the batch will be sent again');
        return true;
      });
      if (!kept) this.logger.warn({ webhookId: id }, 'a webhook lease was lost during its delivery (it expired, or the webhook was deleted); the batch may be sent again');
    }
  }

  private failure(hook: WebhookRecord, problem: string): WebhookDeliveryState {
    const now = this.clock.now();
    const failures = hook.failures + 1;
    const failingSince = hook.failingSince ?? now;
    const backoff = Math.min(this.settings.firstBackoffMs * 2 ** Math.min(failures - 1, 30), this.settings.maxBackoffMs);
    return {
      cursor: hook.cursor,
      failures,
      failingSince,
      nextAttemptAt: now + backoff,
      lastError: problem,
      failed: now - failingSince >= this.settings.retryWindowMs,
    };
  }

  /** POSTs one signed batch; answers null on a 2xx, else what went wrong (for the list and the log). */
  private async post(hook: WebhookRecord, batch: ReadonlyArray<SessionEventRecord>): Promise<string | null> {
    const refused = webhookUrlProblem(hook.url, this.settings.allowedHosts);
    if (refused) return refused;
    const body = JSON.stringify({ events: batch.map(eventJson) });
    // Unique per message; a retry of the same events carries the same ID, so receivers can drop repeats.
    const messageId = `${hook.id}_${batch[0]!.seq}-${batch.at(-1)!.seq}`;
    const timestamp = Math.floor(this.clock.now() / 1000);
    try {
      const res = await fetch(hook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'sessiond-webhooks',
          'webhook-id': messageId,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signatureOf(hook.secret, messageId, timestamp, body),
        },
        body,
        // A redirect could lead past the allowed hosts; receivers answer where they were registered.
        redirect: 'manual',
        signal: AbortSignal.any([this.aborter.signal, AbortSignal.timeout(this.settings.requestTimeoutMs)]),
      });
      await res.body?.cancel().catch(() => undefined);
      return res.status >= 200 && res.status < 300 ? null : `HTTP ${res.status}`;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      if ((error as Error).name === 'TimeoutError') return `no answer within ${this.settings.requestTimeoutMs / 1000} s`;
      return cause ? `cannot connect (${cause})` : `request failed (${(error as Error).name})`;
    }
  }
}
