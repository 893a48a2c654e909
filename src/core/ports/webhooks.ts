import type { SessionEventType } from '../types.ts';

/** Where one webhook's deliveries stand: kept in the store, so a restart or another node carries on from it. */
export interface WebhookDeliveryState {
  /** The seq of the last event delivered (or skipped as not subscribed); delivery resumes after it. */
  cursor: number;
  /** Failed attempts since the last success. */
  failures: number;
  /** When the current run of failures began (ms); null after a success. */
  failingSince: number | null;
  /** No attempt before this (ms): the backoff. */
  nextAttemptAt: number;
  /** What the last failed attempt answered (a status or a network error), never a secret. */
  lastError: string | null;
  /** Gave up: failing for longer than the retry window. Nothing more is attempted. */
  failed: boolean;
}

export interface WebhookRecord extends WebhookDeliveryState {
  id: string;
  url: string;
  /** `whsec_` + base64 key; needed to sign, so stored, and never listed. */
  secret: string;
  events: SessionEventType[];
  createdAt: number;
}

/**
 * Webhook registrations and their delivery cursors (issue 14). Several nodes share the store;
 * a node delivers for a webhook only while it holds that webhook's lease, taken with a
 * compare-and-set, so each event goes out once between them (at least once across crashes).
 */
export interface Webhooks {
  create(record: WebhookRecord): Promise<void>;
  /** Every webhook, oldest first. */
  list(): Promise<WebhookRecord[]>;
  /** Answers false when there was no such webhook. */
  delete(id: string): Promise<boolean>;
  /**
   * Takes the webhook's lease for `holder` until `until` (ms) when it is free at `now` (expired,
   * or already this holder's); answers the record, or null when another holder has it or the
   * webhook is gone.
   */
  lease(id: string, holder: string, now: number, until: number): Promise<WebhookRecord | null>;
  /**
   * Stores the outcome of an attempt and frees the lease, only while `holder` still holds it
   * (answers false otherwise: the lease expired and another node may have delivered since).
   */
  settle(id: string, holder: string, state: WebhookDeliveryState): Promise<boolean>;
}
