import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import { defaultModule } from './default-module.ts';
import type {
  AuthenticationAnswer,
  AuthenticationReason,
  ContainerServices,
  ExternalSecurityModule,
  FailureRequestType,
  LoginForm,
  PoolKeyParts,
  ReconnectReason,
  RequestKeys,
  ServerSession,
} from './types.ts';

/** A URL a module may send a browser to: a local path, or http(s). Never `javascript:`. */
const safeUrl = z.string().max(2048).refine((u) => /^\/(?!\/)/.test(u) || /^https?:\/\//i.test(u), 'a /path or an http(s) URL');
// Built once: a zod schema costs more to build than to check.
const authenticationAnswer = z.enum(['USE_DEFAULT_LOGIN', 'USE_CUSTOM_LOGIN_PAGE', 'COLLECT_SESSION_NOW']);
const yesNo = z.boolean();
const poolKeyAnswer = z.string().min(1).max(512).nullable();
const failureUrl = safeUrl.nullable();

/**
 * Calls a module's hooks so that a hook that throws, or answers a wrong type, gives the safe
 * answer instead (not authorized, close the session, refuse the login), logged with its cause
 * and an error ID. Nothing a module does can crash a request.
 */
export class SafeEsm {
  private readonly ownSession = z.custom<ServerSession>((v) => this.isOwnSession(v), 'a session from cntSvcs.openServerSession').nullable();

  constructor(
    private readonly module: ExternalSecurityModule,
    private readonly logger: Logger,
    /** Recognises server sessions the web tier made, so a module cannot hand in a forgery. */
    private readonly isOwnSession: (value: unknown) => value is ServerSession,
    /** A hook that has not answered by then gets the safe answer, so a hung module cannot hang requests. */
    private readonly timeoutMs = 5000,
  ) {}

  private async call<T>(hook: keyof ExternalSecurityModule, schema: z.ZodType<T>, safe: T, args: unknown[]): Promise<T> {
    const fn = this.module[hook] as unknown;
    const own = typeof fn === 'function';
    // The default answers are ours, synchronous and of the right type: no timer, no check.
    if (!own) return (defaultModule[hook] as (...a: unknown[]) => T)(...args);
    const chosen = fn as (...a: unknown[]) => unknown;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      });
      const answer: unknown = await Promise.race([Promise.resolve().then(() => chosen.apply(this.module, args)), timeout]);
      const parsed = schema.safeParse(answer);
      if (parsed.success) return parsed.data;
      this.logger.error(
        { errorId: randomUUID(), hook, answerType: describe(answer), problem: parsed.error.issues[0]?.message },
        'ESM hook answered a wrong type; using the safe answer',
      );
    } catch (error) {
      this.logger.error({ errorId: randomUUID(), hook, err: error }, 'ESM hook failed; using the safe answer');
    } finally {
      clearTimeout(timer);
    }
    return safe;
  }

  handlesAuthenticationRequest(k: RequestKeys, c: ContainerServices, reason: AuthenticationReason): Promise<AuthenticationAnswer> {
    return this.call('handlesAuthenticationRequest', authenticationAnswer, 'USE_DEFAULT_LOGIN', [k, c, reason]);
  }
  processLoginForm(k: RequestKeys, c: ContainerServices, form: LoginForm, reason: AuthenticationReason): Promise<boolean> {
    return this.call('processLoginForm', yesNo, false, [k, c, form, reason]);
  }
  getCustomLoginURL(originalURL: string, project: string): Promise<string> {
    return this.call('getCustomLoginURL', safeUrl, '/web/login', [originalURL, project]);
  }
  getServerSession(k: RequestKeys, c: ContainerServices): Promise<ServerSession | null> {
    return this.call('getServerSession', this.ownSession, null, [k, c]);
  }
  isRequestAuthorized(k: RequestKeys, c: ContainerServices, user: ServerSession): Promise<boolean> {
    return this.call('isRequestAuthorized', yesNo, false, [k, c, user]);
  }
  getFailureURL(reqType: FailureRequestType, c: ContainerServices): Promise<string | null> {
    return this.call('getFailureURL', failureUrl, null, [reqType, c]);
  }
  closeSessionOnLogout(k: RequestKeys, c: ContainerServices, user: ServerSession): Promise<boolean> {
    return this.call('closeSessionOnLogout', yesNo, true, [k, c, user]);
  }
  canReconnectSession(c: ContainerServices, current: ServerSession, reason: ReconnectReason): Promise<boolean> {
    return this.call('canReconnectSession', yesNo, false, [c, current, reason]);
  }
  getPoolKey(parts: PoolKeyParts): Promise<string | null> {
    // A copy: a module cannot change what the key is made of.
    return this.call('getPoolKey', poolKeyAnswer, null, [{ ...parts }]);
  }
}

/** The shape of a wrong answer, for the log: its type, never its content (it could be a secret). */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
