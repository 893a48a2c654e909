/** Core's public surface: what adapters, the client and ESMs may use. */
export * from './audit.ts';
export * from './clock.ts';
export * from './errors.ts';
export * from './expiry.ts';
export * from './input-rules.ts';
export * from './invalidate.ts';
export * from './login-throttle.ts';
export * from './password.ts';
export * from './secret-id.ts';
export * from './session-cache.ts';
export * from './session-events.ts';
export * from './session-service.ts';
export * from './session-store.ts';
export * from './status-codes.ts';
export * from './types.ts';
export * from './users.ts';
