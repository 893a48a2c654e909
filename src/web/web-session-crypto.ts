import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/**
 * The web session's data blob, encrypted with AES-256-GCM under a key derived (HKDF-SHA256)
 * from the web session ID itself. The store keeps only the ID's hash, so the database alone
 * never yields the upstream session IDs inside.
 */
const INFO = Buffer.from('sessiond web-session data v1');
// Also the version of the data's shape (WebSessionData), which is not schema-checked on open.
const VERSION = 'v1';

// The last key derived: a request opens and then seals the same web session's data. Found by a
// hash of the ID, so the process does not keep the cookie itself between requests.
let last: { idHash: string; key: Buffer } | undefined;

function keyFor(webSessionId: string): Buffer {
  const idHash = createHash('sha256').update(webSessionId).digest('base64url');
  if (last?.idHash === idHash) return last.key;
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(webSessionId), Buffer.alloc(0), INFO, 32));
  last = { idHash, key };
  return key;
}

export function sealWebSessionData(webSessionId: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(webSessionId), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

/** Answers the plaintext, or null when the blob was not sealed with this ID (or was altered). */
export function openWebSessionData(webSessionId: string, sealed: string): string | null {
  const [version, iv, tag, body] = sealed.split('.');
  if (version !== VERSION || !iv || !tag || body === undefined) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFor(webSessionId), Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
