import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PASSWORD_MAX_LENGTH, PERMISSION_PATTERN, USERNAME_PATTERN } from '../../core/input-rules.ts';
import type { UserSummary } from '../../core/types.ts';
import type { SessiondContext } from '../../http/context.ts';
import type { RestAuth } from './rest-auth.ts';
import { contractRoute, type RouteContract } from './route-contract.ts';

/**
 * Whole accounts, for admins: deactivate, activate, reset a password, delete, change role and
 * permissions. Each is audited with the admin's session handle as actor; the last active admin
 * cannot be deactivated, deleted or demoted (409 LAST_ADMIN).
 */
const params = z.object({ username: z.string().regex(USERNAME_PATTERN, 'not a valid username') }).strict();
const ended = z.object({ ended: z.number().int().min(0).describe("How many of the user's sessions ended") }).strict();

export const userAnswer = z
  .object({
    userId: z.string(),
    username: z.string(),
    admin: z.boolean(),
    active: z.boolean(),
    createdAt: z.iso.datetime(),
    permissions: z.array(z.string()).describe('What the user may do beyond their own sessions, such as `events`'),
  })
  .strict();

export function userJson(u: UserSummary): z.output<typeof userAnswer> {
  return { userId: u.userId, username: u.username, admin: u.admin, active: u.active, createdAt: new Date(u.createdAt).toISOString(), permissions: u.permissions };
}

const deactivate = {
  method: 'POST',
  url: '/api/v1/admin/users/:username/deactivate',
  operationId: 'deactivateUser',
  summary: 'Stop a user from signing in and end all of their sessions',
  tag: 'Admin',
  access: 'admin',
  params,
  answer: ended,
  errors: ['NOT_FOUND', 'LAST_ADMIN'],
} satisfies RouteContract;

const activate = {
  method: 'POST',
  url: '/api/v1/admin/users/:username/activate',
  operationId: 'activateUser',
  summary: 'Let a deactivated user sign in again',
  tag: 'Admin',
  access: 'admin',
  params,
  answer: z.object({}).strict(),
  errors: ['NOT_FOUND'],
} satisfies RouteContract;

const resetPassword = {
  method: 'POST',
  url: '/api/v1/admin/users/:username/password',
  operationId: 'resetUserPassword',
  summary: "Set a user's password and end all of their sessions",
  tag: 'Admin',
  access: 'admin',
  params,
  body: z.object({ newPassword: z.string().max(PASSWORD_MAX_LENGTH) }).strict(),
  answer: ended,
  errors: ['NOT_FOUND'],
} satisfies RouteContract;

const deleteUser = {
  method: 'DELETE',
  url: '/api/v1/admin/users/:username',
  operationId: 'deleteUser',
  summary: 'Remove a user and end all of their sessions',
  tag: 'Admin',
  access: 'admin',
  params,
  answer: ended,
  errors: ['NOT_FOUND', 'LAST_ADMIN'],
} satisfies RouteContract;

const updateUser = {
  method: 'PATCH',
  url: '/api/v1/admin/users/:username',
  operationId: 'updateUser',
  summary: "Change a user's admin flag and/or permissions",
  description: 'Fields left out stay as they are; `permissions` replaces the whole list.',
  tag: 'Admin',
  access: 'admin',
  params,
  body: z
    .object({
      admin: z.boolean().optional(),
      permissions: z.array(z.string().regex(PERMISSION_PATTERN, 'a permission name such as events')).max(64).optional(),
    })
    .strict(),
  answer: userAnswer,
  errors: ['NOT_FOUND', 'LAST_ADMIN'],
} satisfies RouteContract;

export function registerAccountRoutes(app: FastifyInstance, ctx: SessiondContext, auth: RestAuth): void {
  app.route(
    contractRoute(auth, deactivate, async (request) => {
      const caller = await auth.admin(request);
      return ctx.accounts.deactivate(request.params.username, caller.session.handle);
    }),
  );
  app.route(
    contractRoute(auth, activate, async (request) => {
      const caller = await auth.admin(request);
      await ctx.accounts.activate(request.params.username, caller.session.handle);
      return {};
    }),
  );
  app.route(
    contractRoute(auth, resetPassword, async (request) => {
      const caller = await auth.admin(request);
      return ctx.accounts.resetPassword(request.params.username, request.body.newPassword, caller.session.handle);
    }),
  );
  app.route(
    contractRoute(auth, deleteUser, async (request) => {
      const caller = await auth.admin(request);
      return ctx.accounts.delete(request.params.username, caller.session.handle);
    }),
  );
  app.route(
    contractRoute(auth, updateUser, async (request) => {
      const caller = await auth.admin(request);
      return userJson(await ctx.accounts.update(request.params.username, request.body, caller.session.handle));
    }),
  );
}
