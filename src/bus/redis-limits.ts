import { Redis } from 'ioredis';
import type { LimitCounters, Logger } from '../core/ports.js';

/**
 * The sliding window in one step: add to this fixed window's count, read the last window's, and weigh it
 * by how much of it is still inside. Keys expire after two windows, so nothing needs sweeping.
 */
const ADD = `
local w = tonumber(ARGV[1])
local now = tonumber(ARGV[3])
local start = now - (now % w)
local current = KEYS[1] .. ':' .. start
local previous = KEYS[1] .. ':' .. (start - w)
local count = tonumber(redis.call('GET', current) or '0')
local weight = tonumber(ARGV[2])
if weight ~= 0 then
  count = count + weight
  if count < 0 then count = 0 end
  redis.call('SET', current, tostring(count), 'PX', 2 * w)
end
local last = tonumber(redis.call('GET', previous) or '0')
local share = 1 - (now - start) / w
if share < 0 then share = 0 end
return tostring(count + last * share)
`;

/** Rate-limit windows in Redis, shared by every node: a limit holds whichever node answers. */
export class RedisLimitCounters implements LimitCounters {
  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  static async open(
    url: string,
    options: { prefix?: string; log?: Logger } = {},
  ): Promise<RedisLimitCounters> {
    // Commands fail fast while Redis is away (the caller answers an error), rather than queueing.
    const redis = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      commandTimeout: 2000,
      maxRetriesPerRequest: 1,
    });
    redis.on('error', (err: Error) => options.log?.debug({ err }, 'Redis (rate limits)'));
    redis.defineCommand('lingrLimitAdd', { numberOfKeys: 1, lua: ADD });
    await redis.connect();
    return new RedisLimitCounters(redis, options.prefix ?? 'lingr:limit:');
  }

  async add(key: string, windowMs: number, weight: number, now: number): Promise<number> {
    const run = (this.redis as unknown as Record<string, (...args: unknown[]) => Promise<string>>)
      .lingrLimitAdd;
    return Number(await run!.call(this.redis, this.prefix + key, windowMs, weight, now));
  }

  async reset(key: string, windowMs: number, now: number): Promise<void> {
    const start = now - (now % windowMs);
    await this.redis.del(`${this.prefix}${key}:${start}`, `${this.prefix}${key}:${start - windowMs}`);
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
