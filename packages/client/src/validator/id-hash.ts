/**
 * The form in which sessiond stores and announces a session ID: base64url (no padding) of its
 * SHA-256 over the ID's UTF-8 bytes. End events name sessions by it, never by the ID.
 *
 * WebCrypto (`crypto.subtle`), so the same code runs in Node, Bun, Deno and browsers; it is
 * asynchronous, which is why the validator hashes only on a cache miss, never on a hit.
 */
const encoder = new TextEncoder();

export async function idHashOf(sessionId: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(sessionId)));
  let binary = '';
  for (const byte of digest) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
