import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import type { RedisTarget } from '../../src/store/redis/redis-connection.ts';
import { openRedisStore } from '../../src/store/redis/open-redis.ts';
import type { RedisStore } from '../../src/store/redis/redis-store.ts';
import type { ConformanceStore } from '../store/conformance-kit.ts';
import { hasProgram } from './services.ts';

/**
 * Redis test helpers: a real throwaway Redis Cluster (redis-server processes in cluster mode on
 * free loopback ports, joined with `redis-cli --cluster create`), and a throwaway key prefix on
 * any Redis, with a raw view of the keys and a clean-up that removes them.
 */

export interface TestRedisCluster {
  nodes: Array<{ host: string; port: number }>;
  /** `redis+cluster://…` for SESSIOND_STORE. */
  url: string;
  target: RedisTarget;
  stop(): Promise<void>;
}

/**
 * False when redis-server and redis-cli are installed (tests that run their own Redis), else a skip reason;
 * under SESSIOND_REQUIRE_SERVICES=1 a missing program fails the run instead.
 */
export async function skipUnlessRedisServerBinary(): Promise<false | string> {
  const missing = [];
  for (const program of ['redis-server', 'redis-cli']) if (!(await hasProgram(program))) missing.push(program);
  if (missing.length === 0) return false;
  if (process.env.SESSIOND_REQUIRE_SERVICES === '1') {
    throw new Error(`${missing.join(' and ')} required (SESSIOND_REQUIRE_SERVICES=1) to start a Redis Cluster, but not on PATH`);
  }
  const reason = `SKIPPED: ${missing.join(' and ')} not on PATH, so no redis-server of the test's own (standalone or Cluster) can be started (set SESSIOND_REQUIRE_SERVICES=1 to make this a failure)`;
  process.stderr.write(`${reason}\n`);
  return reason;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function run(program: string, args: string[], timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(program, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${program} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts `count` (at least 3) masters without replicas and waits for cluster_state:ok on each. */
export async function startRedisCluster(count = 3): Promise<TestRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'sessiond-redis-cluster-'));
  const processes: ChildProcess[] = [];
  const ports: number[] = [];
  const stop = async () => {
    await Promise.all(
      processes.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      ports.push(port);
      const child = spawn(
        'redis-server',
        [
          '--port', String(port),
          '--bind', '127.0.0.1',
          '--cluster-enabled', 'yes',
          '--cluster-config-file', join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout', '2000',
          '--save', '',
          '--appendonly', 'no',
          '--dir', dir,
          '--logfile', join(dir, `redis-${port}.log`),
        ],
        { stdio: 'ignore' },
      );
      processes.push(child);
    }
    for (const port of ports) {
      await waitFor(`redis-server on ${port}`, async () => (await run('redis-cli', ['-p', String(port), 'ping'], 2000)).trim() === 'PONG');
    }
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
    for (const port of ports) {
      await waitFor(`cluster_state:ok on ${port}`, async () =>
        (await run('redis-cli', ['-p', String(port), 'cluster', 'info'], 2000)).includes('cluster_state:ok'),
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const nodes = ports.map((port) => ({ host: '127.0.0.1', port }));
  return {
    nodes,
    url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
    target: { kind: 'redis-cluster', nodes },
    stop,
  };
}

export interface TestRedisServer {
  port: number;
  url: string;
  /** kill -9, as a crash or a pulled cable would. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A standalone redis-server of the test's own on a free loopback port, with an fsync-always
 * append-only file so a restart keeps what was acknowledged.
 */
export async function startRedisServer(): Promise<TestRedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sessiond-redis-'));
  const port = await freePort();
  let child: ChildProcess | null = null;
  const launch = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always',
        '--dir', dir, '--logfile', join(dir, 'redis.log')],
      { stdio: 'ignore' },
    );
    await waitFor(`redis-server on ${port}`, async () => (await run('redis-cli', ['-p', String(port), 'ping'], 2000)).trim() === 'PONG');
  };
  const kill = () =>
    new Promise<void>((resolve) => {
      const current = child;
      child = null;
      if (!current || current.exitCode !== null || current.signalCode !== null) return resolve();
      current.once('exit', () => resolve());
      current.kill('SIGKILL');
    });
  try {
    await launch();
  } catch (error) {
    await kill();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    restart: launch,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A raw client on the same Redis (standalone or cluster), for dumps, arming failures and clean-up. */
export async function rawClient(target: RedisTarget): Promise<Redis | Cluster> {
  const client =
    target.kind === 'redis' ? new Redis(target.url, { lazyConnect: true }) : new Cluster(target.nodes, { lazyConnect: true });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Every key under a prefix, on every master. */
export async function keysUnder(client: Redis | Cluster, prefix: string): Promise<string[]> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  const found: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0');
  }
  return found;
}

/** Every key under the prefix with its contents, as text. */
export async function dumpKeys(client: Redis | Cluster, prefix: string): Promise<string> {
  const out: string[] = [];
  for (const key of await keysUnder(client, prefix)) {
    const type = await client.type(key);
    let value: unknown;
    if (type === 'hash') value = await client.hgetall(key);
    else if (type === 'zset') value = await client.zrange(key, '0', '-1', 'WITHSCORES');
    else if (type === 'list') value = await client.lrange(key, 0, -1);
    else if (type === 'string') value = await client.get(key);
    else value = `(${type})`;
    out.push(`${key} ${JSON.stringify(value)}`);
  }
  return out.join('\n');
}

export async function deleteKeys(client: Redis | Cluster, prefix: string): Promise<void> {
  for (const key of await keysUnder(client, prefix)) await client.unlink(key);
}

export function testPrefix(label: string): string {
  return `sdtest:${label}:${randomBytes(4).toString('hex')}:`;
}

/**
 * The conformance suite's `open` for a Redis target: a fresh prefix per test, a raw dump, a
 * second store on the same data, a real failure while ending (the session's hash is swapped for
 * a value of the wrong type, so the end script's read fails), and clean-up of every key.
 */
export function redisConformanceOpener(target: RedisTarget, label: string): () => Promise<ConformanceStore> {
  return async () => {
    const prefix = testPrefix(label);
    const store: RedisStore = await openRedisStore(target, { prefix });
    const raw = await rawClient(target);
    const reopened: RedisStore[] = [];
    return {
      store,
      async cleanup() {
        await store.close();
        for (const s of reopened) await s.close();
        await deleteKeys(raw, prefix);
        await raw.quit();
      },
      async reopen() {
        const again = await openRedisStore(target, { prefix });
        reopened.push(again);
        return again;
      },
      rawDump: () => dumpKeys(raw, prefix),
      async failWhenEnding(handle) {
        const idHash = await raw.get(store.keys.handle(handle));
        if (!idHash) throw new Error(`no session with handle ${handle}`);
        const key = store.keys.session(idHash);
        const saved = await raw.dumpBuffer(key);
        const ttl = await raw.pttl(key);
        if (!saved) throw new Error('the session key is missing');
        await raw.set(key, 'conformance: armed failure', 'PX', ttl);
        return async () => {
          await raw.del(key);
          await raw.restore(key, ttl, saved);
        };
      },
    };
  };
}
