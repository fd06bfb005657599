import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * The Redis bus's presence ledger, kept in Redis and changed only by these scripts, each atomic, so that
 * when several nodes race exactly one of them sees a user's state as a whole change.
 *
 * Keys (under the bus's prefix, `lingr:` by default):
 * - `nodes`: the registry, a set of the node ids that may hold users;
 * - `lease:<node>`: present while the node is alive (it refreshes the expiry);
 * - `node:<node>:users`: the user ids the node holds online;
 * - `user:<id>:nodes`: the nodes holding the user online; the user is online anywhere while it is not empty.
 *
 * A script that changes a user's state as a whole also publishes the `online` message to the other nodes,
 * in the same step and on the same connection as the node's other messages, so it keeps their order. The
 * message is the envelope's head (sender and time, from the node) followed by the messages and `}`.
 *
 * The scripts name keys they build from the prefix: they suit one Redis server (or a replicated one), not
 * Redis Cluster.
 */

/** A user's one `online` message, as JSON, from a user id as Redis returns it. */
const ONLINE_JSON = `
local function online(user, on)
  return '{"kind":"online","userId":' .. user .. ',"online":' .. on .. '}'
end
`;

/**
 * This node says a user is online (ARGV[3] = '1') or not ('0') here: 1 if that changed whether the user is
 * online anywhere (and the change was published), else 0.
 *
 * KEYS: user:<id>:nodes, node:<node>:users, nodes. ARGV: node, user, '1' | '0', channel, envelope.
 */
export const PRESENCE = `
local before = redis.call('SCARD', KEYS[1])
if ARGV[3] == '1' then
  redis.call('SADD', KEYS[1], ARGV[1])
  redis.call('SADD', KEYS[2], ARGV[2])
  redis.call('SADD', KEYS[3], ARGV[1])
else
  redis.call('SREM', KEYS[1], ARGV[1])
  redis.call('SREM', KEYS[2], ARGV[2])
end
local after = redis.call('SCARD', KEYS[1])
if (before == 0) ~= (after == 0) then
  redis.call('PUBLISH', ARGV[4], ARGV[5])
  return 1
end
return 0
`;

/**
 * Registers this node with a fresh lease, and makes what Redis says it holds match what it holds (ARGV[6]
 * on): after Redis lost its data, after a sweep took the node for dead, or after changes Redis never got.
 * Publishes the changes of users' state as a whole that this makes; returns the users it left online
 * nowhere (this node announces them, as a sweeper would).
 *
 * KEYS: node:<node>:users, nodes, lease:<node>. ARGV: node, lease ms, prefix, channel, envelope head,
 * user ids...
 */
export const REGISTER = `${ONLINE_JSON}
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('SET', KEYS[3], '1', 'PX', ARGV[2])
local wanted = {}
for i = 6, #ARGV do wanted[ARGV[i]] = true end
local lost, parts = {}, {}
for _, user in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if not wanted[user] then
    local holders = ARGV[3] .. 'user:' .. user .. ':nodes'
    redis.call('SREM', KEYS[1], user)
    if redis.call('SREM', holders, ARGV[1]) == 1 and redis.call('SCARD', holders) == 0 then
      lost[#lost + 1] = user
      parts[#parts + 1] = online(user, 'false')
    end
  end
end
for i = 6, #ARGV do
  local holders = ARGV[3] .. 'user:' .. ARGV[i] .. ':nodes'
  redis.call('SADD', KEYS[1], ARGV[i])
  if redis.call('SADD', holders, ARGV[1]) == 1 and redis.call('SCARD', holders) == 1 then
    parts[#parts + 1] = online(ARGV[i], 'true')
  end
end
if #parts > 0 then
  redis.call('PUBLISH', ARGV[4], ARGV[5] .. '[' .. table.concat(parts, ',') .. ']}')
end
return lost
`;

/**
 * Extends this node's lease: 1 when the node must register again (its lease had run out or a sweep had
 * taken it out of the registry, so Redis may no longer hold what it holds), else 0.
 *
 * KEYS: nodes, lease:<node>. ARGV: node, lease ms.
 */
export const REFRESH = `
local added = redis.call('SADD', KEYS[1], ARGV[1])
local had = redis.call('EXISTS', KEYS[2])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
if added == 1 or had == 0 then return 1 end
return 0
`;

/**
 * Takes every registered node whose lease ran out (never this one) out of the registry and out of its
 * users' holders. Publishes `online: false` for the users that leaves online nowhere and returns them: the
 * node that ran the script announces them, so exactly one does.
 *
 * KEYS: nodes. ARGV: prefix, this node, channel, envelope head.
 */
export const SWEEP = `${ONLINE_JSON}
local lost, parts = {}, {}
for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if node ~= ARGV[2] and redis.call('EXISTS', ARGV[1] .. 'lease:' .. node) == 0 then
    redis.call('SREM', KEYS[1], node)
    local held = ARGV[1] .. 'node:' .. node .. ':users'
    for _, user in ipairs(redis.call('SMEMBERS', held)) do
      local holders = ARGV[1] .. 'user:' .. user .. ':nodes'
      if redis.call('SREM', holders, node) == 1 and redis.call('SCARD', holders) == 0 then
        lost[#lost + 1] = user
        parts[#parts + 1] = online(user, 'false')
      end
    end
    redis.call('DEL', held)
  end
end
if #parts > 0 then
  redis.call('PUBLISH', ARGV[3], ARGV[4] .. '[' .. table.concat(parts, ',') .. ']}')
end
return lost
`;

/** A script run by its SHA-1, sent whole when the server does not know it (after a restart). */
export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Loads the script, so that the commands written after this one find it. */
  load(redis: Redis): Promise<unknown> {
    return redis.script('LOAD', this.source);
  }

  /**
   * Writes the command at once (before the first await), so it keeps its place among the connection's.
   * Keys and arguments go as one array (ioredis flattens it): a node may hold more users than a call takes
   * arguments.
   */
  async run(redis: Redis, keys: string[], args: Array<string | number>): Promise<unknown> {
    const all = [...keys, ...args.map(String)];
    try {
      return await redis.evalsha(this.sha, keys.length, all);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return redis.eval(this.source, keys.length, all);
    }
  }
}
