import { z } from 'zod';
import { requestIdField, type RouteContract } from './route-contract.ts';

/** Contracts of the operator routes the composition root serves (src/app.ts). */

/** The readiness routes' own 503 body: not the REST error shape, for orchestrators and operators. */
const unready = z
  .object({
    status: z.literal('unavailable'),
    store: z.string(),
    message: z.string(),
    reason: z.string().describe("`store: ` and the store driver's own words (host, port, code); never a password or a URL's credentials"),
    requestId: requestIdField,
  })
  .strict()
  .describe('The session store does not answer.');

const ready = z.object({ status: z.literal('ok'), store: z.string().describe('sqlite, postgres, redis, redis-cluster') }).strict();

export const livez = {
  method: 'GET',
  url: '/livez',
  operationId: 'getLiveness',
  summary: 'Liveness: does this process answer? Never asks the store',
  description: 'For a liveness probe: 200 while the process serves HTTP, whatever the store does, so a store outage does not restart every node.',
  tag: 'Operations',
  access: 'public',
  answer: z.object({ status: z.literal('ok') }).strict(),
  storeless: true,
} satisfies RouteContract;

export const readyz = {
  method: 'GET',
  url: '/readyz',
  operationId: 'getReadiness',
  summary: 'Readiness: does the session store answer?',
  description: 'For a readiness probe: 200 when the store answers a ping, else 503 with the reason.',
  tag: 'Operations',
  access: 'public',
  answer: ready,
  otherAnswers: { 503: unready },
  storeless: true,
} satisfies RouteContract;

export const healthz = {
  method: 'GET',
  url: '/healthz',
  operationId: 'getHealth',
  summary: 'Readiness, under its older name: the same answers as /readyz',
  tag: 'Operations',
  access: 'public',
  answer: ready,
  otherAnswers: { 503: unready },
  storeless: true,
} satisfies RouteContract;

export const metrics = {
  method: 'GET',
  url: '/metrics',
  operationId: 'getMetrics',
  summary: 'Prometheus metrics',
  tag: 'Operations',
  access: 'public',
  answer: z.string().describe('The Prometheus text exposition format'),
  answerType: 'text/plain',
  storeless: true,
} satisfies RouteContract;
