/**
 * `@sessiond/client/express`: Express middleware that lets a request through with its session
 * on `req.sessiond`, or answers 401 (no live session) or 503 (sessiond could not be asked).
 *
 * ```ts
 * app.use('/api', sessiondExpress(validator));
 * app.get('/api/me', (req, res) => res.json({ user: req.sessiond!.username }));
 * ```
 *
 * Express itself is not imported: the types below are the parts of it this uses.
 */
import type { SessionInfo } from './types.ts';
import { sessionOf, type RequestLike, type SessionMiddlewareOptions } from './validator/request-session.ts';
import type { SessionValidator } from './validator/session-validator.ts';

declare global {
  // Express's own augmentation point (@types/express-serve-static-core).
  namespace Express {
    interface Request {
      /** The request's session, set by sessiondExpress; undefined on routes it does not cover. */
      sessiond?: SessionInfo;
    }
  }
}

export interface ExpressRequestLike extends RequestLike {
  sessiond?: SessionInfo;
}

export interface ExpressResponseLike {
  status(code: number): unknown;
  setHeader(name: string, value: string): unknown;
  json(body: unknown): unknown;
}

export type ExpressNext = (error?: unknown) => void;

export type SessiondExpressOptions<R extends ExpressRequestLike = ExpressRequestLike> = SessionMiddlewareOptions<R>;

export function sessiondExpress<R extends ExpressRequestLike = ExpressRequestLike>(
  validator: SessionValidator,
  options: SessiondExpressOptions<R> = {},
): (req: R, res: ExpressResponseLike, next: ExpressNext) => void {
  return (req, res, next) => {
    sessionOf(validator, req, options.getToken).then(
      (outcome) => {
        if ('session' in outcome) {
          req.sessiond = outcome.session;
          next();
          return;
        }
        for (const [name, value] of Object.entries(outcome.refusal.headers)) res.setHeader(name, value);
        res.status(outcome.refusal.status);
        res.json(outcome.refusal.body);
      },
      (error: unknown) => next(error),
    );
  };
}

export type { SessionInfo } from './types.ts';
export type { SessionMiddlewareOptions } from './validator/request-session.ts';
