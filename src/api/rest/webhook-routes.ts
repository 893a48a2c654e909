import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { webhookAudit } from '../../core/audit.ts';
import { SessiondError } from '../../core/errors.ts';
import type { WebhookRecord } from '../../core/ports/webhooks.ts';
import { SESSION_EVENT_TYPES, type AuditRecord } from '../../core/types.ts';
import type { SessiondContext } from '../../http/context.ts';
import { webhookUrlProblem } from '../../events/webhook-hosts.ts';
import { newWebhookSecret, SECRET_PATTERN } from '../../events/webhook-signature.ts';
import type { RestAuth } from './rest-auth.ts';
import { contractRoute, type RouteContract } from './route-contract.ts';

/** Webhooks (issue 14): admins register endpoints that receive the event log as signed batches. */

const WEBHOOK_ID_PATTERN = /^wh_[A-Za-z0-9_-]{16}$/;
const isoTime = z.iso.datetime().describe('ISO 8601, UTC');
const eventTypes = z.array(z.enum(SESSION_EVENT_TYPES)).min(1).max(SESSION_EVENT_TYPES.length);

const webhookFields = {
  id: z.string().regex(WEBHOOK_ID_PATTERN),
  url: z.string(),
  events: eventTypes,
  createdAt: isoTime,
};

const createWebhook = {
  method: 'POST',
  url: '/api/v1/admin/webhooks',
  operationId: 'createWebhook',
  summary: 'Register a webhook',
  description: [
    'Events from now on are POSTed to `url` in batches (`{"events": [...]}`, each event as in GET /api/v1/events), in order,',
    'at least once, signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`).',
    'A delivery that does not answer 2xx is retried with exponential backoff (1 s doubling, at most 10 min apart) for 24 h.',
    'The secret is answered only here.',
  ].join(' '),
  tag: 'Admin',
  access: 'admin',
  body: z
    .object({
      url: z.string().max(2048).describe('http(s); the host must be allowed by SESSIOND_WEBHOOK_ALLOWED_HOSTS when that is set'),
      secret: z
        .string()
        .regex(SECRET_PATTERN, 'whsec_ followed by the base64 of 24 to 64 bytes')
        .optional()
        .describe('The signing secret (whsec_ + base64 key); one is made when absent'),
      events: eventTypes.optional().describe('The event types to deliver; default both'),
    })
    .strict(),
  status: 201,
  answer: z.object({ ...webhookFields, secret: z.string().describe('The signing secret: keep it, it is not shown again') }).strict(),
} satisfies RouteContract;

const listWebhooks = {
  method: 'GET',
  url: '/api/v1/admin/webhooks',
  operationId: 'listWebhooks',
  summary: 'List webhooks and where their deliveries stand (never a secret)',
  tag: 'Admin',
  access: 'admin',
  answer: z
    .object({
      webhooks: z.array(
        z
          .object({
            ...webhookFields,
            delivery: z
              .object({
                lastDeliveredSeq: z.number().int().min(0).describe('Events up to this seq were delivered (or were of types not subscribed)'),
                lag: z.number().int().min(0).describe('Events in the log after lastDeliveredSeq, of any type'),
                failures: z.number().int().min(0).describe('Failed attempts since the last success'),
                lastError: z.string().nullable().describe('What the last failed attempt answered'),
                nextAttemptAt: isoTime.nullable().describe('No retry before this; null when not backing off'),
                failed: z.boolean().describe('Failing for longer than 24 h: no longer attempted (delete and register it again)'),
              })
              .strict(),
          })
          .strict(),
      ),
    })
    .strict(),
} satisfies RouteContract;

const deleteWebhook = {
  method: 'DELETE',
  url: '/api/v1/admin/webhooks/:id',
  operationId: 'deleteWebhook',
  summary: 'Delete a webhook: nothing more is delivered to it',
  tag: 'Admin',
  access: 'admin',
  params: z.object({ id: z.string().regex(WEBHOOK_ID_PATTERN, 'not a webhook ID') }).strict(),
  answer: z.object({ deleted: z.literal(true) }).strict(),
  errors: ['NOT_FOUND'],
} satisfies RouteContract;

export function registerWebhookRoutes(app: FastifyInstance, ctx: SessiondContext, auth: RestAuth): void {
  const { store, config, clock, logger, events } = ctx;

  /** Every registration and deletion is an audit record with the admin's handle as actor (never the secret). */
  async function audit(record: AuditRecord): Promise<void> {
    await store.audit.append([record]);
    events.emit(record);
  }

  app.route(
    contractRoute(auth, createWebhook, async (request, reply) => {
      const caller = await auth.admin(request);
      const { url, secret, events: types } = request.body;
      const problem = webhookUrlProblem(url, config.webhooks.allowedHosts);
      if (problem) throw new SessiondError('INVALID_REQUEST', problem);
      // Deliveries start with the events after this one.
      const { newest } = await store.events.bounds();
      const record: WebhookRecord = {
        id: `wh_${randomBytes(12).toString('base64url')}`,
        url,
        secret: secret ?? newWebhookSecret(),
        events: SESSION_EVENT_TYPES.filter((type) => (types ?? SESSION_EVENT_TYPES).includes(type)),
        createdAt: clock.now(),
        cursor: newest,
        failures: 0,
        failingSince: null,
        nextAttemptAt: 0,
        lastError: null,
        failed: false,
      };
      await store.webhooks.create(record);
      await audit(webhookAudit('webhook.created', record, caller.session.handle, record.createdAt));
      logger.info({ webhookId: record.id, events: record.events }, 'webhook registered');
      return reply.status(201).send({ ...webhookView(record), secret: record.secret });
    }),
  );

  app.route(
    contractRoute(auth, listWebhooks, async (request) => {
      await auth.admin(request);
      const [hooks, { newest }] = await Promise.all([store.webhooks.list(), store.events.bounds()]);
      return {
        webhooks: hooks.map((h) => ({
          ...webhookView(h),
          delivery: {
            lastDeliveredSeq: h.cursor,
            lag: Math.max(0, newest - h.cursor),
            failures: h.failures,
            lastError: h.lastError,
            nextAttemptAt: h.failures > 0 && !h.failed ? new Date(h.nextAttemptAt).toISOString() : null,
            failed: h.failed,
          },
        })),
      };
    }),
  );

  app.route(
    contractRoute(auth, deleteWebhook, async (request) => {
      const caller = await auth.admin(request);
      const hook = (await store.webhooks.list()).find((h) => h.id === request.params.id);
      if (!hook || !(await store.webhooks.delete(hook.id))) throw new SessiondError('NOT_FOUND', 'No such webhook.');
      await audit(webhookAudit('webhook.deleted', hook, caller.session.handle, clock.now()));
      logger.info({ webhookId: request.params.id }, 'webhook deleted');
      return { deleted: true as const };
    }),
  );
}

function webhookView(h: WebhookRecord) {
  return { id: h.id, url: h.url, events: h.events, createdAt: new Date(h.createdAt).toISOString() };
}
