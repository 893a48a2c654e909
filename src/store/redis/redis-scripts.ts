/**
 * The Lua scripts behind every change. Each runs on one bucket (one Cluster slot) and is atomic
 * there. Scripts that change several records read everything first and write only after every
 * read succeeded, because Redis does not roll back a script that fails part-way: an error in the
 * read pass (a missing script, a key of the wrong type, a node that does not answer) leaves the
 * data untouched. Once a script has started writing, Redis lets it finish even past maxmemory.
 *
 * KEYS[1] routes the script to its slot; the other keys are built from ARGV[1], the bucket's key
 * base, and so share the slot (the bucket's hash tag).
 *
 * A session is a hash of short fields: h handle, u userId, n username, p project, c createdAt,
 * l lastSeenAt, i idleExpiresAt, a absoluteExpiresAt, and where it came from: ip the client's
 * address and ua its User-Agent (absent when not known, and in sessions from before they were
 * recorded). The bucket's expiry index `exp` holds the record without ip and ua as its member (a
 * JSON array) scored by when it expires, so the sweep can still audit a session whose key Redis
 * already dropped; answers that show a session (`answer`) carry ip and ua too.
 */

const PRELUDE = `
local function read_session(key)
  return redis.call('HMGET', key, 'h', 'u', 'n', 'p', 'c', 'l', 'i', 'a', 'ip', 'ua')
end
local function expires_at(f)
  local i, a = tonumber(f[7]), tonumber(f[8])
  if i < a then return i end
  return a
end
local function record(id, f)
  return cjson.encode({id, f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8]})
end
local function nullable(v)
  if v == nil or v == false or v == '' then return cjson.null end
  return v
end
local function answer(id, f)
  return cjson.encode({id, f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], nullable(f[9]), nullable(f[10])})
end
local function listing_member(id, f)
  return string.rep('0', 15 - #f[5]) .. f[5] .. '|' .. f[1] .. '|' .. id
end
local function index_keys(base, f)
  return {base .. 'all', base .. 'u:' .. f[2], base .. 'n:' .. f[3], base .. 'p:' .. f[4]}
end
-- seq_arg is the first sequence number when the caller reserved them (Cluster), or '' to take
-- them from this bucket's own counter (one bucket: standalone).
local function first_seq(base, seq_arg, count)
  if seq_arg ~= '' then return tonumber(seq_arg) end
  return redis.call('INCRBY', base .. 'seq', count) - count + 1
end
-- caps = {global list cap, per-handle list cap, per-handle retention ms}
local function push_audit(base, caps, seq, at, event, handle, user_id, project, reason, actor)
  local entry = cjson.encode({seq, at, event, nullable(handle), nullable(user_id), nullable(project), nullable(reason), nullable(actor)})
  redis.call('LPUSH', base .. 'audit', entry)
  redis.call('LTRIM', base .. 'audit', 0, caps[1] - 1)
  if handle and handle ~= '' then
    local hk = base .. 'ah:' .. handle
    redis.call('LPUSH', hk, entry)
    redis.call('LTRIM', hk, 0, caps[2] - 1)
    redis.call('PEXPIRE', hk, caps[3])
  end
end
-- The event log (issue 14). With one bucket (seq_arg '', standalone) the event goes straight into
-- the log, the stream base..'events' with IDs '0-<seq>'; in Cluster mode this slot cannot reach
-- the log's, so it goes into the bucket's outbox stream, which RELAY_EVENTS moves into the log in
-- order, exactly once. Entry field 'e': [seq, at, type, handle, idHash, userId, username, project, reason].
local function push_event(base, seq_arg, at, etype, id, f, reason)
  if seq_arg == '' then
    local seq = redis.call('INCR', base .. 'evseq')
    redis.call('XADD', base .. 'events', '0-' .. seq, 'e', cjson.encode({seq, at, etype, f[1], id, f[2], f[3], f[4], nullable(reason)}))
  else
    redis.call('XADD', base .. 'outbox', '*', 'e', cjson.encode({0, at, etype, f[1], id, f[2], f[3], f[4], nullable(reason)}))
  end
end
-- Removes a session and every index entry that points at it.
local function remove_session(base, id, f, handle_key_too)
  redis.call('DEL', base .. 's:' .. id)
  redis.call('ZREM', base .. 'exp', record(id, f))
  local m = listing_member(id, f)
  for _, k in ipairs(index_keys(base, f)) do redis.call('ZREM', k, m) end
  if handle_key_too then redis.call('DEL', base .. 'h:' .. f[1]) end
end
`;

/**
 * Inserts a session and audits its creation.
 * ARGV (insertSessionArgs): base, id, h, u, n, p, c, l, i, a, ttlMs, seq, cap, handleCap, retentionMs, writeHandle(1/0), handleTtlMs,
 * ip ('' for none), ua ('' for none)
 */
export const INSERT_SESSION = `${PRELUDE}
local base, id = ARGV[1], ARGV[2]
local f = {ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]}
local caps = {tonumber(ARGV[13]), tonumber(ARGV[14]), tonumber(ARGV[15])}
local seq = first_seq(base, ARGV[12], 1)
local key = base .. 's:' .. id
redis.call('HSET', key, 'h', f[1], 'u', f[2], 'n', f[3], 'p', f[4], 'c', f[5], 'l', f[6], 'i', f[7], 'a', f[8])
if ARGV[18] ~= '' then redis.call('HSET', key, 'ip', ARGV[18]) end
if ARGV[19] ~= '' then redis.call('HSET', key, 'ua', ARGV[19]) end
redis.call('PEXPIRE', key, ARGV[11])
redis.call('ZADD', base .. 'exp', expires_at(f), record(id, f))
local m = listing_member(id, f)
for _, k in ipairs(index_keys(base, f)) do redis.call('ZADD', k, 0, m) end
if ARGV[16] == '1' then redis.call('SET', base .. 'h:' .. f[1], id, 'PX', ARGV[17]) end
push_audit(base, caps, seq, tonumber(f[5]), 'session.created', f[1], f[2], f[4], nil, nil)
push_event(base, ARGV[12], tonumber(f[5]), 'session.created', id, f, nil)
return 1
`;

/**
 * Slides the idle timer: the hash, the expiry index and the key's TTL move together. Mirrors
 * core's laterTimers: a touch never moves either time back (a slower node's older touch keeps
 * what is stored).
 * ARGV (touchSessionArgs): base, id, lastSeenAt, idleExpiresAt, graceMs
 */
export const TOUCH_SESSION = `${PRELUDE}
local base, id = ARGV[1], ARGV[2]
local key = base .. 's:' .. id
local f = read_session(key)
if not f[1] then return 0 end
local old = record(id, f)
if tonumber(ARGV[3]) > tonumber(f[6]) then f[6] = ARGV[3] end
if tonumber(ARGV[4]) > tonumber(f[7]) then f[7] = ARGV[4] end
redis.call('HSET', key, 'l', f[6], 'i', f[7])
redis.call('ZREM', base .. 'exp', old)
redis.call('ZADD', base .. 'exp', expires_at(f), record(id, f))
redis.call('PEXPIRE', key, math.max(1, expires_at(f) - tonumber(f[6]) + tonumber(ARGV[5])))
return 1
`;

/**
 * Ends sessions of one bucket, mirroring core's settleEnds: a duplicate later in the batch finds
 * its session already ended (''), a session expired at `now` is ended and audited as expired
 * ('X'), a live one ended and audited with the caller's reason ('E'). Mode 'ids': the ID hashes follow in ARGV[11..], in input order,
 * '' for an input that names nothing. Mode 'user': ARGV[11] is a userId whose index is read.
 * Mode 'check': the read pass of 'ids' only, so a Cluster batch can see that every slot answers
 * and reads cleanly before any slot writes.
 * ARGV (endSessionsArgs): base, mode, now, reason, actor ('' for none), seq, cap, handleCap, retentionMs, deleteHandles(1/0), ...
 * Answers one string per entry: '' nothing ended, 'E'..record ended live, 'X'..record ended expired.
 */
export const END_SESSIONS = `${PRELUDE}
local base, mode, now, reason, actor = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
local caps = {tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])}
local ids = {}
if mode == 'user' then
  for _, m in ipairs(redis.call('ZRANGE', base .. 'u:' .. ARGV[11], 0, -1)) do
    ids[#ids + 1] = string.match(m, '([^|]+)$')
  end
else
  for j = 11, #ARGV do ids[#ids + 1] = ARGV[j] end
end
-- read pass: a duplicate finds its session taken by the earlier position
local found, seen = {}, {}
for j, id in ipairs(ids) do
  if id ~= '' and not seen[id] then
    local f = read_session(base .. 's:' .. id)
    if f[1] then
      found[j] = f
      seen[id] = true
    end
  end
end
if mode == 'check' then return #ids end
-- write pass
local out = {}
local seq = first_seq(base, ARGV[6], math.max(#ids, 1))
for j, id in ipairs(ids) do
  local f = found[j]
  if f then
    remove_session(base, id, f, ARGV[10] == '1')
    local expired = now >= expires_at(f)
    push_audit(base, caps, seq + j - 1, now, 'session.ended', f[1], f[2], f[4], expired and 'expired' or reason, actor)
    push_event(base, ARGV[6], now, 'session.ended', id, f, expired and 'expired' or reason)
    out[j] = (expired and 'X' or 'E') .. answer(id, f)
  else
    out[j] = ''
  end
end
return out
`;

/**
 * Removes up to `limit` sessions of one bucket that expired by `now`, auditing each as core's
 * sweepAudits does (reason expired, actor sweeper); works from
 * the expiry index, so sessions whose keys Redis already dropped are found and audited too.
 * ARGV (sweepSessionsArgs): base, now, limit, seq, cap, handleCap, retentionMs, deleteHandles(1/0)
 * Answers the removed records.
 */
export const SWEEP_SESSIONS = `${PRELUDE}
local base, now = ARGV[1], tonumber(ARGV[2])
local caps = {tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])}
local members = redis.call('ZRANGEBYSCORE', base .. 'exp', '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
if #members == 0 then return members end
local seq = first_seq(base, ARGV[4], #members)
for j, m in ipairs(members) do
  local r = cjson.decode(m)
  local id = r[1]
  local f = {r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9]}
  remove_session(base, id, f, ARGV[8] == '1')
  push_audit(base, caps, seq + j - 1, now, 'session.ended', f[1], f[2], f[4], 'expired', 'sweeper')
  push_event(base, ARGV[4], now, 'session.ended', id, f, 'expired')
end
return members
`;

/**
 * One bucket's page of live sessions from a listing index, beyond an exclusive lexicographic
 * bound, filtered as core's matchesFilter: project, username, and a username prefix compared in
 * lower case (the caller folds the prefix; Redis's string.lower folds ASCII letters only, as
 * core's usernameKey does). Reads the index upwards ('asc', after the bound) or downwards
 * ('desc', before it). Stops after `maxScan` index entries so a long run of expired entries
 * cannot block Redis; the caller continues from the returned bound. With `want` 0 it counts the
 * matches instead of answering them (a prefix count must look at every session).
 * ARGV (listSessionsArgs): base, indexName, bound ('-', '+' or '(member'), want, now, project or '',
 * username or '', maxScan, direction, folded prefix or ''
 * Answers {exhausted '1'/'0', next bound, count, record...}.
 */
export const LIST_SESSIONS = `${PRELUDE}
local base, index, bound = ARGV[1], ARGV[1] .. ARGV[2], ARGV[3]
local want, now, project, username, max_scan = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6], ARGV[7], tonumber(ARGV[8])
local desc, prefix = ARGV[9] == 'desc', ARGV[10]
local counting = want == 0
local out, count, scanned, exhausted = {}, 0, 0, '0'
while (counting or #out < want) and scanned < max_scan do
  local members
  if desc then
    members = redis.call('ZREVRANGEBYLEX', index, bound, '-', 'LIMIT', 0, 100)
  else
    members = redis.call('ZRANGEBYLEX', index, bound, '+', 'LIMIT', 0, 100)
  end
  if #members == 0 then exhausted = '1' break end
  for _, m in ipairs(members) do
    scanned = scanned + 1
    bound = '(' .. m
    local id = string.match(m, '([^|]+)$')
    local f = read_session(base .. 's:' .. id)
    if f[1] and now < expires_at(f) and (project == '' or f[4] == project) and (username == '' or f[3] == username)
      and (prefix == '' or string.lower(string.sub(f[3], 1, #prefix)) == prefix) then
      count = count + 1
      if not counting then
        out[#out + 1] = answer(id, f)
        if #out >= want then break end
      end
    end
  end
end
local reply = {exhausted, bound, tostring(count)}
for _, r in ipairs(out) do reply[#reply + 1] = r end
return reply
`;

/**
 * How many live sessions of one bucket a listing index holds, filtered by project and username:
 * the index's size less the sessions in it that expired but are not swept yet, found in the
 * expiry index (whose members carry username and project). Answers -1 when more than `maxScan`
 * sessions wait for the sweep, so the caller counts by reading the index instead.
 * ARGV: base, indexName, now, project or '', username or '', maxScan
 */
export const COUNT_SESSIONS = `
local base, index, now, project, username, max_scan = ARGV[1], ARGV[1] .. ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
if redis.call('ZCOUNT', base .. 'exp', '-inf', now) > max_scan then return -1 end
local expired = 0
for _, m in ipairs(redis.call('ZRANGEBYSCORE', base .. 'exp', '-inf', now)) do
  local r = cjson.decode(m)
  if (project == '' or r[5] == project) and (username == '' or r[4] == username) then expired = expired + 1 end
end
return redis.call('ZCARD', index) - expired
`;

/**
 * Appends audit records to one bucket. ARGV: base, seq, cap, handleCap, retentionMs, then one
 * JSON array per record: [offset, at, event, handle, userId, project, reason, actor].
 */
export const APPEND_AUDIT = `${PRELUDE}
local base = ARGV[1]
local caps = {tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])}
local entries = {}
for j = 6, #ARGV do entries[#entries + 1] = cjson.decode(ARGV[j]) end
local count = 0
for _, e in ipairs(entries) do if e[1] + 1 > count then count = e[1] + 1 end end
local seq = first_seq(base, ARGV[2], math.max(count, 1))
local function s(v) if v == cjson.null then return nil end return v end
for _, e in ipairs(entries) do
  push_audit(base, caps, seq + e[1], e[2], e[3], s(e[4]), s(e[5]), s(e[6]), s(e[7]), s(e[8]))
end
return #entries
`;

/**
 * Prunes one bucket's audit trail: pops records older than ARGV[1] (ms) off the old end of the
 * bucket's list, at most ARGV[2] of them, and the same old records off the end of each of their
 * handles' lists (a handle's records live in its bucket). Answers how many bucket records went.
 */
export const PRUNE_AUDIT = `
local base = ARGV[1]
local before = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local removed = 0
local function old(entry) return entry and cjson.decode(entry)[2] < before end
while removed < limit do
  local entry = redis.call('LINDEX', base .. 'audit', -1)
  if not old(entry) then break end
  redis.call('RPOP', base .. 'audit')
  removed = removed + 1
  local handle = cjson.decode(entry)[4]
  if type(handle) == 'string' and handle ~= '' then
    local hk = base .. 'ah:' .. handle
    while old(redis.call('LINDEX', hk, -1)) do redis.call('RPOP', hk) end
  end
end
return removed
`;

/**
 * One bucket's audit records newest first, from an audit list (the bucket's, or one handle's),
 * as core's matchesAudit: of one user and one event when asked, older than a sequence number.
 * Reads from list position `offset` and stops after `maxScan` entries so a long list cannot
 * block Redis; the caller continues from the returned position. New records pushed at the head
 * meanwhile only make it read some entries twice, which the caller drops by their sequence.
 * ARGV: before ('' for none), want, userId or '', event or '', offset, maxScan
 * Answers {exhausted '1'/'0', next offset, entry...}.
 */
export const AUDIT_PAGE = `
local key = KEYS[1]
local before = tonumber(ARGV[1])
local want, user_id, event, offset, max_scan = tonumber(ARGV[2]), ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local out, scanned, exhausted = {}, 0, '0'
while #out < want and scanned < max_scan do
  local entries = redis.call('LRANGE', key, offset, offset + 99)
  if #entries == 0 then exhausted = '1' break end
  for _, e in ipairs(entries) do
    offset = offset + 1
    scanned = scanned + 1
    local r = cjson.decode(e)
    if (before == nil or r[1] < before) and (user_id == '' or r[5] == user_id) and (event == '' or r[3] == event) then
      out[#out + 1] = e
      if #out >= want then break end
    end
  end
end
local reply = {exhausted, tostring(offset)}
for _, e in ipairs(out) do reply[#reply + 1] = e end
return reply
`;

/**
 * Cluster mode: moves one bucket's outbox entries into the event log (its own slot), giving each
 * the next seq. Exactly once and in order per bucket, however many nodes relay at once: the log's
 * slot remembers the last outbox ID taken from each bucket and skips anything not after it.
 * KEYS[1]: the log stream. ARGV: seq key, relayed-positions hash, bucket, then (outbox ID, entry JSON) pairs.
 * Answers the last outbox ID taken from the bucket ('' when none ever was).
 */
export const RELAY_EVENTS = `
local log, seq_key, relayed, bucket = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
local function parts(id)
  local ms, n = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(n)
end
local function after(a, b)
  if b == '' then return true end
  local am, an = parts(a)
  local bm, bn = parts(b)
  return am > bm or (am == bm and an > bn)
end
local last = redis.call('HGET', relayed, bucket) or ''
for j = 4, #ARGV, 2 do
  local id, entry = ARGV[j], cjson.decode(ARGV[j + 1])
  if after(id, last) then
    local seq = redis.call('INCR', seq_key)
    entry[1] = seq
    redis.call('XADD', log, '0-' .. seq, 'e', cjson.encode(entry))
    last = id
  end
end
if last ~= '' then redis.call('HSET', relayed, bucket, last) end
return last
`;

export const SESSION_SCRIPTS = {
  sdInsertSession: INSERT_SESSION,
  sdTouchSession: TOUCH_SESSION,
  sdEndSessions: END_SESSIONS,
  sdSweepSessions: SWEEP_SESSIONS,
  sdListSessions: LIST_SESSIONS,
  sdCountSessions: COUNT_SESSIONS,
} as const;
