import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EVENT_REASONS } from '../../src/observability/metrics.ts';
import { ADMIN_PASSWORD, addUser, api, login } from '../helpers/server.ts';
import { soapLogin } from '../soap/raw-soap.ts';
import { WebClient } from '../web/web-client.ts';
import { PASSWORD, RECORDING_ESM, setupWeb } from '../web/web-setup.ts';

/**
 * /metrics as an operator's Prometheus sees it: label values from fixed lists only, so the
 * number of series does not grow with sign-ins, users, handles or pool keys.
 */
interface Series {
  name: string;
  labels: Record<string, string>;
  key: string;
}

function parseSeries(text: string): Series[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const key = line.slice(0, line.lastIndexOf(' '));
      const brace = key.indexOf('{');
      const name = brace < 0 ? key : key.slice(0, brace);
      const labels: Record<string, string> = {};
      for (const m of key.slice(brace + 1).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!;
      return { name, labels, key };
    });
}

async function scrape(base: string): Promise<Series[]> {
  const res = await fetch(`${base}/metrics`);
  assert.equal(res.status, 200);
  return parseSeries(await res.text());
}

/**
 * Node's own families whose label is one of Node's fixed kinds (GC kind, handle type): a kind
 * can first appear at any time (a major GC), whatever the users do, so they are left out of the
 * exact count. Their label values are still checked below.
 */
const RUNTIME_KINDS = /^nodejs_(gc_duration_seconds|active_handles|active_resources|active_requests)/;

const countable = (series: Series[]) => series.filter((s) => !RUNTIME_KINDS.test(s.name)).map((s) => s.key).sort();

describe('/metrics', () => {
  test('100 web sign-ins and sign-outs (pooled, each a new user) leave exactly as many series as one; no label names a user, handle or URL', async () => {
    const w = await setupWeb(
      // Released sessions go to the pool under keys naming each user: the labels must not.
      {
        SESSIOND_ESM: RECORDING_ESM,
        SESSIOND_ESM_TAG: 'metrics',
        SESSIOND_ESM_CLOSE: 'false',
        SESSIOND_POOL_MAX: '1000',
        SESSIOND_LOGIN_MAX_FAILURES: '100',
        // 300 refused logins from one address, on purpose.
        SESSIOND_LOGIN_MAX_FAILURES_PER_ADDRESS: '1000',
      },
      [],
    );
    try {
      const users = Array.from({ length: 100 }, (_, i) => `metricsuser${i}`);
      for (const u of users) await addUser(w.url, w.admin, u, PASSWORD);
      const handles: string[] = [];
      const cycle = async (username: string, i: number) => {
        const browser = new WebClient(w.url);
        assert.equal((await browser.login(username, PASSWORD)).status, 303);
        handles.push(WebClient.handleOf((await browser.get('/web/projects/default')).html)!);
        assert.equal((await browser.logout()).status, 303);
        // Refused logins on every API, and a path no route has: counted, never by name or URL.
        assert.equal((await new WebClient(w.url).login(username, 'wrong-password-1')).status, 401);
        assert.equal((await api(w.url, 'POST', '/api/v1/login', { body: { username: `nobody${i}`, password: 'x' } })).status, 401);
        assert.ok((await soapLogin(w.url, `soapcaller${i}`, 'wrong-password-1')).fault);
        assert.equal((await fetch(`${w.url}/no/such/page/${username}`)).status, 404);
      };

      await cycle(users[0]!, 0);
      // The first scrape's own request is timed after it answers: the second one is the baseline.
      await scrape(w.url);
      const afterOne = await scrape(w.url);
      for (let i = 1; i < users.length; i++) await cycle(users[i]!, i);
      const afterHundred = await scrape(w.url);

      assert.deepEqual(countable(afterHundred), countable(afterOne), 'the same series after 100 sign-ins as after one');
      assert.equal((await w.pool()).entries.length, 100, 'the pool did hold 100 keys');

      const forbidden = [...users, ...handles, 'nobody', 'soapcaller', 'http', '127.0.0.1', '/no/such'];
      for (const s of afterHundred) {
        for (const [label, value] of Object.entries(s.labels)) {
          for (const word of forbidden) assert.ok(!value.includes(word), `${s.key}: label ${label} holds "${word}"`);
        }
      }
      const reasons = new Set([...EVENT_REASONS, 'none', 'other']);
      for (const s of afterHundred.filter((x) => x.name === 'sessiond_session_events_total')) {
        assert.ok(reasons.has(s.labels.reason!), `${s.key}: a reason from the fixed list`);
      }
      const text = await (await fetch(`${w.url}/metrics`)).text();
      assert.match(text, /^sessiond_login_failures_total\{api="web",reason="invalid_credentials"\} 100$/m);
      assert.match(text, /^sessiond_login_failures_total\{api="rest",reason="invalid_credentials"\} 100$/m);
      assert.match(text, /^sessiond_login_failures_total\{api="soap",reason="invalid_credentials"\} 100$/m);
      assert.match(text, /^sessiond_session_events_total\{event="pool.released",reason="other"\} 100$/m);
      assert.match(text, /^sessiond_http_request_duration_seconds_count\{method="POST",route="\/web\/login",status_class="3xx"\} 100$/m);
      assert.match(text, /^sessiond_http_request_duration_seconds_count\{method="GET",route="\/web\/projects\/:project",status_class="2xx"\} 100$/m);
      assert.match(text, /^sessiond_http_request_duration_seconds_count\{method="GET",route="unmatched",status_class="4xx"\} 100$/m);
      assert.match(text, /^sessiond_http_request_duration_seconds_count\{method="POST",route="\/services\/Soap\/u\/:version",status_class="5xx"\} 100$/m);
    } finally {
      await w.s.close();
    }
  });

  test("Node's and the process's metrics under their standard names; ended sessions counted by reason", async () => {
    const w = await setupWeb({}, []);
    try {
      const own = await login(w.url, 'admin', ADMIN_PASSWORD);
      assert.equal((await api(w.url, 'POST', '/api/v1/logout', { sessionId: own.sessionId })).status, 200);
      const text = await (await fetch(`${w.url}/metrics`)).text();
      for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
        assert.match(text, new RegExp(`^${name} `, 'm'), name);
      }
      assert.doesNotMatch(text, /^sessiond_(process|nodejs)_/m, 'no prefix on the standard names');
      assert.match(text, /^sessiond_session_events_total\{event="session.ended",reason="logout"\} 1$/m);
      assert.match(text, /^sessiond_session_events_total\{event="session.created",reason="none"\} \d+$/m);
    } finally {
      await w.s.close();
    }
  });
});
