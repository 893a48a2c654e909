import type { RedisClient } from './redis-connection.ts';

export type ScriptArg = string | number;
export type ScriptCommands<Names extends string> = { [K in Names]: (key: string, ...args: ScriptArg[]) => Promise<unknown> };

/**
 * Registers Lua scripts as commands on a client (EVALSHA, with EVAL when Redis lost its script
 * cache, as after a restart). KEYS[1] is always the key that routes the call to its slot.
 */
export function defineScripts<Names extends string>(client: RedisClient, scripts: Record<Names, string>): ScriptCommands<Names> {
  for (const [name, lua] of Object.entries<string>(scripts)) client.defineCommand(name, { lua, numberOfKeys: 1 });
  return client as unknown as ScriptCommands<Names>;
}

/** A script's array reply, checked. */
export function strings(reply: unknown): string[] {
  if (!Array.isArray(reply) || !reply.every((x): x is string => typeof x === 'string')) {
    throw new Error('unexpected reply from a sessiond Redis script');
  }
  return reply;
}
