/**
 * Where webhook deliveries may go. Only http(s); with no allow-list every host is allowed,
 * loopback and private addresses included (receivers are usually internal services). With one
 * (SESSIOND_WEBHOOK_ALLOWED_HOSTS) a host must equal an entry or, for `*.example.com`, end in
 * `.example.com`. Checked at registration and again before every delivery, so narrowing the
 * list stops deliveries to hosts already registered.
 */
export function webhookUrlProblem(url: string, allowedHosts: readonly string[] | null): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'url must be an absolute http(s) URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'url must be an http(s) URL';
  if (parsed.username || parsed.password) return 'url must not carry credentials; the signature authenticates deliveries';
  if (allowedHosts === null) return null;
  const host = parsed.hostname.toLowerCase();
  const allowed = allowedHosts.some((entry) => (entry.startsWith('*.') ? host.endsWith(entry.slice(1)) : host === entry));
  return allowed ? null : `the host ${host} is not in SESSIOND_WEBHOOK_ALLOWED_HOSTS`;
}
