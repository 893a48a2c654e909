import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { POSTGRES_URL } from './services.ts';

export interface ThrowawayDatabase {
  /** URL of the new, empty database. */
  url: string;
  name: string;
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates `sessiond_test_<random>` on the test server (see services.ts) for one test file. */
export async function createThrowawayDatabase(): Promise<ThrowawayDatabase> {
  const name = `sessiond_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** Runs one statement on a database with a short-lived connection of its own. */
export async function sql(url: string, text: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}

/** What tests open a PostgreSQL store with: an idle connection that fails is reported, as the server logs it. */
export const TEST_POSTGRES_OPTIONS = {
  onIdleError: (error: Error) => console.warn(`an idle PostgreSQL connection failed: ${error.message}`),
};
