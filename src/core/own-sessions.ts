import type { InvalidateSessionsResult } from './invalidate.ts';
import type { SessionService } from './session-service.ts';
import type { EndReason, SessionCursor, SessionRecord } from './types.ts';

/** Most sessions one user's own list shows (a user holding more sees the oldest this many). */
export const OWN_SESSIONS_LIMIT = 1000;

/**
 * Self-service: a signed-in user lists and ends their own sessions. A handle that is not the
 * caller's is treated exactly like an unknown one, so the answer tells nothing about others.
 */
export class OwnSessions {
  constructor(private readonly service: SessionService) {}

  /** The caller's live sessions in listing order (oldest first), the caller's own among them. */
  async list(caller: SessionRecord): Promise<SessionRecord[]> {
    const out: SessionRecord[] = [];
    let after: SessionCursor | undefined;
    do {
      const page = await this.service.listSessions({
        username: caller.username,
        limit: Math.min(500, OWN_SESSIONS_LIMIT - out.length),
        ...(after ? { after } : {}),
      });
      // A username can be reused after a delete; the user ID cannot.
      out.push(...page.sessions.filter((s) => s.userId === caller.userId));
      after = page.next ?? undefined;
    } while (after && out.length < OWN_SESSIONS_LIMIT);
    return out;
  }

  /** invalidateSessions by handle, limited to the caller's own sessions. */
  async invalidate(caller: SessionRecord, handles: ReadonlyArray<string>): Promise<InvalidateSessionsResult[]> {
    const own = new Set((await this.list(caller)).map((s) => s.handle));
    return this.service.invalidateByHandles(
      caller.handle,
      handles.map((h) => (own.has(h) ? h : null)),
      'invalidated',
    );
  }

  /** Ends every session of the caller but the current one; answers how many ended. */
  async endOthers(caller: SessionRecord, reason: EndReason = 'invalidated'): Promise<number> {
    const others = (await this.list(caller)).filter((s) => s.handle !== caller.handle).map((s) => s.handle);
    let ended = 0;
    for (let i = 0; i < others.length; i += 200) {
      const results = await this.service.invalidateByHandles(caller.handle, others.slice(i, i + 200), reason);
      ended += results.filter((r) => r.success).length;
    }
    return ended;
  }
}
