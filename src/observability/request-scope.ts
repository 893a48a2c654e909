import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * The request ID (X-Request-Id) of the request being served, wherever the code runs: core's
 * session events, the web tier and ESM hooks log through the root logger, and the logger's
 * mixin (logger.ts) adds this ID to each of their lines.
 */
export const REQUEST_ID_HEADER = 'x-request-id';

/** A caller's X-Request-Id is kept when it is 1-128 of these characters; otherwise one is made. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

const scope = new AsyncLocalStorage<{ requestId: string }>();

/** The caller's ID when well formed (one header, the pattern above), else a new UUID. */
export function requestIdFor(headerValue: string | string[] | undefined): string {
  return typeof headerValue === 'string' && REQUEST_ID_PATTERN.test(headerValue) ? headerValue : randomUUID();
}

/** Runs `next` (the rest of the request's lifecycle) with `requestId` as the current request's ID. */
export function runInRequestScope(requestId: string, next: () => void): void {
  scope.run({ requestId }, next);
}

export function currentRequestId(): string | undefined {
  return scope.getStore()?.requestId;
}
