import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): a secret is `whsec_` + the
 * base64 of its key; a message is signed as base64 HMAC-SHA256 over `${id}.${timestamp}.${body}`
 * and sent as `webhook-signature: v1,<signature>`, so receivers can use the spec's libraries.
 */
export const SECRET_PREFIX = 'whsec_';

/** A secret as the spec writes it: whsec_ and base64 of 24 to 64 bytes. */
export const SECRET_PATTERN = /^whsec_(?:[A-Za-z0-9+/]{4}){8,22}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function newWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(24).toString('base64');
}

export function signatureOf(secret: string, messageId: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  return 'v1,' + createHmac('sha256', key).update(`${messageId}.${timestampSeconds}.${body}`).digest('base64');
}
