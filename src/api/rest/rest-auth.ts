import type { FastifyRequest, preValidationAsyncHookHandler } from 'fastify';
import type { SessionService } from '../../core/session-service.ts';
import type { SessionRecord, UserRecord } from '../../core/types.ts';
import { bearerSessionId } from './bearer.ts';
import { checkBegunBeforeFastify } from './session-check-shortcut.ts';

export type Access = 'public' | 'session' | 'admin';

type Caller = { session: SessionRecord; user: UserRecord };

/**
 * Who calls a REST route: the session in `Authorization: Bearer`, checked once per request
 * (the route's preValidation hook may have checked it already, before the input was read).
 */
export class RestAuth {
  private readonly sessions = new WeakMap<FastifyRequest, Promise<SessionRecord>>();
  private readonly users = new WeakMap<FastifyRequest, Promise<Caller>>();
  private readonly admins = new WeakMap<FastifyRequest, Promise<Caller>>();

  constructor(private readonly service: SessionService) {}

  /** The caller's live session; slides its idle timer. A check begun before Fastify is not repeated. */
  session(request: FastifyRequest): Promise<SessionRecord> {
    return once(
      this.sessions,
      request,
      () => checkBegunBeforeFastify(request.raw) ?? this.service.authenticate(bearerSessionId(request.headers.authorization)),
    );
  }

  /** The caller's live session and its (active) user. */
  user(request: FastifyRequest): Promise<Caller> {
    return once(this.users, request, () => this.service.authenticateUser(bearerSessionId(request.headers.authorization)));
  }

  /** The caller's session, which must be an admin's (else INSUFFICIENT_ACCESS). */
  admin(request: FastifyRequest): Promise<Caller> {
    return once(this.admins, request, () => this.service.authenticateAdmin(bearerSessionId(request.headers.authorization)));
  }

  /** A preValidation hook checking the caller before the route's input is read. */
  before(access: Exclude<Access, 'public'>): preValidationAsyncHookHandler {
    return async (request) => {
      await (access === 'admin' ? this.admin(request) : this.session(request));
    };
  }
}

function once<T>(cache: WeakMap<FastifyRequest, Promise<T>>, request: FastifyRequest, check: () => Promise<T>): Promise<T> {
  let pending = cache.get(request);
  if (pending === undefined) {
    pending = check();
    cache.set(request, pending);
  }
  return pending;
}
