import type { Users } from '../../core/ports/users.ts';
import { SessiondError } from '../../core/errors.ts';
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
/** ARGV: userKey base ({users}:u:), username, userId, passwordHash, admin, active, createdAt, permissions (JSON) */
const CREATE_USER = `
local key = ARGV[1] .. ARGV[2]
if redis.call('EXISTS', key) == 1 then return 0 end
redis.call('HSET', key, 'id', ARGV[3], 'pw', ARGV[4], 'ad', ARGV[5], 'ac', ARGV[6], 'c', ARGV[7], 'pm', ARGV[8])
redis.call('ZADD', KEYS[1], 0, ARGV[2])
return 1
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

/** KEYS[1] the user's key. ARGV: the username index (same {users} slot), username. */
const DELETE_USER = `
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
redis.call('ZREM', ARGV[1], ARGV[2])
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

const USER_FIELDS = ['id', 'pw', 'ad', 'ac', 'c', 'pm'] as const;

export class RedisUsers implements Users {
  private readonly scripts;

  constructor(
    private readonly client: RedisClient,
    private readonly keys: RedisKeys,
  ) {
    this.scripts = defineScripts(client, {
      sdCreateUser: CREATE_USER,
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
      ),
    );
    if (created === 0) throw new SessiondError('DUPLICATE_USERNAME');
  }

  async find(username: string): Promise<UserRecord | null> {
    const fields = await guarded(() => this.client.hmget(this.keys.user(username), ...USER_FIELDS));
    return userFromFields(username, fields);
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
    return (await guarded(() => this.scripts.sdDeleteUser(key, this.keys.users(), username))) === 1;
  }
}
