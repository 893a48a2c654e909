import type { Users } from '../../core/ports/users.ts';
import { SessiondError } from '../../core/errors.ts';
import { usernameKey } from '../../core/input-rules.ts';
import type { UserRecord, UserSummary } from '../../core/types.ts';
import { defineScripts, strings } from './redis-commands.ts';
import { guarded, type RedisClient } from './redis-connection.ts';
import type { RedisKeys } from './redis-keys.ts';
import { userFromFields } from './redis-records.ts';

/**
 * Users: a hash per user (id, pw, ad, ac, c, pm: permissions as a JSON array, absent for users
 * written before permissions existed) and a username index, all under the `{users}`
 * hash tag, so creating a user (check, write, index) is one atomic script in one slot.
 */
/**
 * KEYS[1] the username index. ARGV: userKey base ({users}:u:), username, userId, passwordHash,
 * admin, active, createdAt, permissions (JSON), the name's case-folded set ({users}:f:<folded>).
 * A name taken in any letter case is refused.
 */
const CREATE_USER = `
local key = ARGV[1] .. ARGV[2]
if redis.call('EXISTS', key) == 1 then return 0 end
if redis.call('SCARD', ARGV[9]) > 0 then return 0 end
redis.call('HSET', key, 'id', ARGV[3], 'pw', ARGV[4], 'ad', ARGV[5], 'ac', ARGV[6], 'c', ARGV[7], 'pm', ARGV[8])
redis.call('ZADD', KEYS[1], 0, ARGV[2])
redis.call('SADD', ARGV[9], ARGV[2])
return 1
`;

/**
 * KEYS[1] the name's case-folded set. ARGV: userKey base, username as asked. Answers
 * [username, id, pw, ad, ac, c, pm or ''] for the exact name, else for the one name in the set;
 * an empty reply when there is none or several (names older users share only in case).
 */
const FIND_USER = `
local function read(name)
  local u = redis.call('HMGET', ARGV[1] .. name, 'id', 'pw', 'ad', 'ac', 'c', 'pm')
  if not u[1] then return nil end
  return {name, u[1], u[2], u[3], u[4], u[5], u[6] or ''}
end
local exact = read(ARGV[2])
if exact then return exact end
local names = redis.call('SMEMBERS', KEYS[1])
if #names ~= 1 then return {} end
return read(names[1]) or {}
`;

/**
 * KEYS[1] the username index. ARGV: case-folded set base ({users}:f:), the marker key. Puts every
 * user written before names were folded into its set, once (the marker says it was done).
 */
const INDEX_FOLDED_NAMES = `
if redis.call('EXISTS', ARGV[2]) == 1 then return 0 end
local names = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, name in ipairs(names) do redis.call('SADD', ARGV[1] .. string.lower(name), name) end
redis.call('SET', ARGV[2], '1')
return #names
`;

/** KEYS[1] the user's key. ARGV: active (1/0). */
const SET_USER_ACTIVE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'ac', ARGV[1])
return 1
`;

/** KEYS[1] the user's key. ARGV: new hash, expected hash ('' for any). */
const SET_USER_PASSWORD = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[2] ~= '' and redis.call('HGET', KEYS[1], 'pw') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'pw', ARGV[1])
return 1
`;

/** KEYS[1] the user's key. ARGV: admin ('1'/'0'/'' to keep), permissions JSON ('' to keep). */
const UPDATE_USER = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] ~= '' then redis.call('HSET', KEYS[1], 'ad', ARGV[1]) end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'pm', ARGV[2]) end
return 1
`;

/** KEYS[1] the user's key. ARGV: the username index (same {users} slot), username, the name's case-folded set. */
const DELETE_USER = `
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
redis.call('ZREM', ARGV[1], ARGV[2])
redis.call('SREM', ARGV[3], ARGV[2])
return 1
`;

/** KEYS[1] the username index. ARGV: user key base. Answers flat [username, id, pw, ad, ac, c, pm or '', ...]. */
const LIST_USERS = `
local out = {}
for _, name in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local u = redis.call('HMGET', ARGV[1] .. name, 'id', 'pw', 'ad', 'ac', 'c', 'pm')
  if u[1] then
    out[#out + 1] = name
    for k = 1, 5 do out[#out + 1] = u[k] end
    out[#out + 1] = u[6] or ''
  end
end
return out
`;

export class RedisUsers implements Users {
  private readonly scripts;

  constructor(
    private readonly client: RedisClient,
    private readonly keys: RedisKeys,
  ) {
    this.scripts = defineScripts(client, {
      sdCreateUser: CREATE_USER,
      sdFindUser: FIND_USER,
      sdIndexFoldedNames: INDEX_FOLDED_NAMES,
      sdSetUserActive: SET_USER_ACTIVE,
      sdListUsers: LIST_USERS,
      sdSetUserPassword: SET_USER_PASSWORD,
      sdUpdateUser: UPDATE_USER,
      sdDeleteUser: DELETE_USER,
    });
  }

  async create(user: UserRecord): Promise<void> {
    const created = await guarded(() =>
      this.scripts.sdCreateUser(
        this.keys.users(),
        this.keys.user(''),
        user.username,
        user.userId,
        user.passwordHash,
        user.admin ? '1' : '0',
        user.active ? '1' : '0',
        user.createdAt,
        JSON.stringify(user.permissions),
        this.keys.foldedUsername(usernameKey(user.username)),
      ),
    );
    if (created === 0) throw new SessiondError('DUPLICATE_USERNAME');
  }

  /** Indexes users written before names were compared without case (run once per store, at open). */
  async indexFoldedNames(): Promise<void> {
    await guarded(() => this.scripts.sdIndexFoldedNames(this.keys.users(), this.keys.foldedUsername(''), this.keys.foldedUsernamesIndexed()));
  }

  async find(username: string): Promise<UserRecord | null> {
    const reply = strings(await guarded(() => this.scripts.sdFindUser(this.keys.foldedUsername(usernameKey(username)), this.keys.user(''), username)));
    return reply.length === 0 ? null : userFromFields(reply[0]!, reply.slice(1));
  }

  /** Ordered by username (bytewise). */
  async list(): Promise<UserSummary[]> {
    const flat = strings(await guarded(() => this.scripts.sdListUsers(this.keys.users(), this.keys.user(''))));
    const users: UserSummary[] = [];
    for (let i = 0; i + 6 < flat.length; i += 7) {
      const user = userFromFields(flat[i]!, flat.slice(i + 1, i + 7));
      if (user) {
        const { passwordHash: _hidden, ...summary } = user;
        users.push(summary);
      }
    }
    return users;
  }

  async setActive(username: string, active: boolean): Promise<boolean> {
    return (await guarded(() => this.scripts.sdSetUserActive(this.keys.user(username), active ? '1' : '0'))) === 1;
  }

  async setPasswordHash(username: string, passwordHash: string, expected?: string): Promise<boolean> {
    return (await guarded(() => this.scripts.sdSetUserPassword(this.keys.user(username), passwordHash, expected ?? ''))) === 1;
  }

  async update(username: string, change: { admin?: boolean; permissions?: string[] }): Promise<boolean> {
    const admin = change.admin === undefined ? '' : change.admin ? '1' : '0';
    const permissions = change.permissions === undefined ? '' : JSON.stringify(change.permissions);
    return (await guarded(() => this.scripts.sdUpdateUser(this.keys.user(username), admin, permissions))) === 1;
  }

  async delete(username: string): Promise<boolean> {
    const key = this.keys.user(username);
    return (await guarded(() => this.scripts.sdDeleteUser(key, this.keys.users(), username, this.keys.foldedUsername(usernameKey(username))))) === 1;
  }
}
