import { z } from 'zod';
import type { RouteContract } from './route-contract.ts';

/** Contracts of the operator routes the composition root serves (src/app.ts). */

/** /healthz's own 503 body: not the REST error shape, for orchestrators and operators. */
const healthzUnavailable = z
  .object({
    status: z.literal('unavailable'),
    store: z.string(),
    message: z.string(),
    reason: z.string().describe("The store driver's own words (host, port, code); never a secret"),
  })
  .strict()
  .describe('The session store does not answer.');

export const healthz = {
  method: 'GET',
  url: '/healthz',
  operationId: 'getHealth',
  summary: 'Is this node up and its session store answering?',
  tag: 'Operations',
  access: 'public',
  answer: z.object({ status: z.literal('ok'), store: z.string().describe('sqlite, postgres, redis, redis-cluster') }).strict(),
  otherAnswers: { 503: healthzUnavailable },
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
