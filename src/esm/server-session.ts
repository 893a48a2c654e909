import type { ServerSession } from './types.ts';

/** What a server session needs from the upstream that made it. */
export interface SessionOps {
  readonly name: string;
  isAlive(sessionId: string): Promise<boolean>;
  close(sessionId: string): Promise<void>;
}

export interface ServerSessionFields {
  sessionId: string;
  handle: string;
  login: string;
  project: string;
  /** The pool key it goes back under if a module keeps it on logout. */
  poolKey: string;
}

/** A server session held by the web tier, as ESM hooks see it. */
export class UpstreamServerSession implements ServerSession {
  constructor(
    readonly fields: Readonly<ServerSessionFields>,
    private readonly ops: SessionOps,
  ) {}
  getSessionID(): string {
    return this.fields.sessionId;
  }
  getHandle(): string {
    return this.fields.handle;
  }
  getLogin(): string {
    return this.fields.login;
  }
  getProjectName(): string {
    return this.fields.project;
  }
  getServerName(): string {
    return this.ops.name;
  }
  isAlive(): Promise<boolean> {
    return this.ops.isAlive(this.fields.sessionId);
  }
  closeSession(): Promise<void> {
    return this.ops.close(this.fields.sessionId);
  }
  /** Keeps the secret out of JSON and logs. */
  toJSON(): object {
    return { handle: this.fields.handle, login: this.fields.login, project: this.fields.project };
  }
}
