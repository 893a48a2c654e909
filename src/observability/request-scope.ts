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

/** Requests whose scope is open (entered and not yet closed). */
let open = 0;

/** The caller's ID when well formed (one header, the pattern above), else a new one. */
export function requestIdFor(headerValue: string | string[] | undefined): string {
  return typeof headerValue === 'string' && REQUEST_ID_PATTERN.test(headerValue) ? headerValue : newRequestId();
}

/**
 * A made ID keeps a UUID's shape (README) but is a random prefix drawn once per process and a
 * counter in its last 8 hex digits: randomUUID() per request (random bytes, 16 hex lookups and
 * 20 concatenations) was a measurable part of a session check. A request ID correlates log
 * lines; it is no secret and proves nothing (a caller may send any ID it likes), so being
 * guessable from the one before costs nothing. The prefix (90 random bits) is drawn again
 * when the counter wraps, so IDs stay unique within a process and across processes and restarts.
 */
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
/** Below 2^31, so the counter stays a small integer. */
const COUNTER_LIMIT = 0x80000000;
let madeCount = 0;
let madePrefix = '';
/** The ID without its last two hex digits, made again every 256 IDs. */
let madeBlock = '';

function newRequestId(): string {
  const count = madeCount;
  if ((count & 0xff) === 0) {
    if (count === 0) madePrefix = randomUUID().slice(0, 28);
    madeBlock = madePrefix + HEX[count >>> 24]! + HEX[(count >>> 16) & 0xff]! + HEX[(count >>> 8) & 0xff]!;
  }
  madeCount = count + 1 === COUNTER_LIMIT ? 0 : count + 1;
  return madeBlock + HEX[count & 0xff]!;
}

/**
 * Opens a request's scope and runs `next` (the rest of its lifecycle) in it; `onClose` is how
 * the request says it is over (its response's 'close'). On Node 20 a scope that has ever been
 * entered keeps async hooks on for the whole process (promise hooks, an init hook per
 * nextTick), which costs every request, scoped or not, a few µs. So the storage is turned off
 * while no request has its scope open: a node that only answers cached session checks (which
 * log nothing and open no scope) runs without the hooks.
 */
export function openRequestScope<T>(requestId: string, onClose: (close: () => void) => void, next: () => T): T {
  open++;
  onClose(closeOne);
  return scope.run({ requestId }, next);
}

function closeOne(): void {
  open--;
  // Lines logged later by what a finished request left running lose its reqId: it is over.
  if (open === 0) scope.disable();
}

/** Enters an open scope again (a callback that resumed outside it, such as body parsing). */
export function runInRequestScope(requestId: string, next: () => void): void {
  scope.run({ requestId }, next);
}

export function currentRequestId(): string | undefined {
  return scope.getStore()?.requestId;
}
