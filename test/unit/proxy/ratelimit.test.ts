import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigSection } from '../../../common/config.js';
import { createLogger } from '../../../common/logger.js';
import type { ProxyContext } from '../../../proxy/context.js';
import {
  maxRate,
  RateLimiter,
  ratelimit,
  readRatePoints,
} from '../../../proxy/middleware/ratelimit.js';
import type { App, ProxyRequest } from '../../../proxy/pipeline.js';

describe('container rate curves', () => {
  const conf = ConfigSection.of('filter:ratelimit', {
    container_ratelimit_100: 100,
    container_ratelimit_0: 200,
    container_ratelimit_50: 50,
    container_listing_ratelimit_10: 3,
  });

  it('reads and sorts container_ratelimit_<size> settings', () => {
    expect(readRatePoints(conf, 'container_ratelimit_')).toEqual([
      [0, 200],
      [50, 50],
      [100, 100],
    ]);
    expect(readRatePoints(conf, 'container_listing_ratelimit_')).toEqual([[10, 3]]);
  });

  it('interpolates between sizes and stays flat after the last', () => {
    const points = readRatePoints(conf, 'container_ratelimit_');
    expect(maxRate(points, 0)).toBeUndefined(); // empty containers are never limited
    expect(maxRate(points, 25)).toBe(125);
    expect(maxRate(points, 50)).toBe(50);
    expect(maxRate(points, 75)).toBe(75);
    expect(maxRate(points, 100)).toBe(100);
    expect(maxRate(points, 1_000_000)).toBe(100);
    expect(maxRate([[10, 3]], 9)).toBeUndefined();
    expect(maxRate([], 10)).toBeUndefined();
  });

  it('publishes its settings in /info and refuses unknown ones', () => {
    const ctx = { capabilities: {} } as unknown as ProxyContext;
    ratelimit(conf, ctx);
    expect(ctx.capabilities.ratelimit).toEqual({
      account_ratelimit: 0,
      max_sleep_time_seconds: 60,
      container_ratelimits: [
        [0, 200],
        [50, 50],
        [100, 100],
      ],
      container_listing_ratelimits: [[10, 3]],
    });
    const typo = ConfigSection.of('filter:ratelimit', { acount_ratelimit: 1 });
    expect(() => ratelimit(typo, ctx)).toThrow(/acount_ratelimit/);
    const badSize = ConfigSection.of('filter:ratelimit', { container_ratelimit_big: 1 });
    expect(() => ratelimit(badSize, ctx)).toThrow(/container_ratelimit_big/);
  });
});

describe('rate limiter', () => {
  const settings = { maxSleepTimeSeconds: 60, clockAccuracy: 1000, rateBufferSeconds: 5 };

  it('spaces requests 1/rate apart, sleeping the difference', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter(settings, () => now);
    expect(limiter.sleepSeconds('k', 10)).toBe(0);
    expect(limiter.sleepSeconds('k', 10)).toBeCloseTo(0.1);
    expect(limiter.sleepSeconds('k', 10)).toBeCloseTo(0.2);
    now += 150; // time passes: the next slot is nearer
    expect(limiter.sleepSeconds('k', 10)).toBeCloseTo(0.15);
    expect(limiter.sleepSeconds('other', 10)).toBe(0);
  });

  it('tolerates a burst within rate_buffer_seconds after a quiet spell', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter(settings, () => now);
    limiter.sleepSeconds('k', 1);
    now += 3000; // 3 s idle: the slots left unused meanwhile are spent at once
    expect(limiter.sleepSeconds('k', 1)).toBe(0);
    expect(limiter.sleepSeconds('k', 1)).toBe(0);
    expect(limiter.sleepSeconds('k', 1)).toBe(0);
    expect(limiter.sleepSeconds('k', 1)).toBeCloseTo(1);
  });

  it('refuses once the sleep would reach max_sleep_time, booking nothing', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter({ ...settings, maxSleepTimeSeconds: 2 }, () => now);
    expect(limiter.sleepSeconds('k', 1)).toBe(0);
    expect(limiter.sleepSeconds('k', 1)).toBe(1);
    expect(limiter.sleepSeconds('k', 1)).toBeUndefined();
    expect(limiter.sleepSeconds('k', 1)).toBeUndefined();
    // Refusals left the queue as it was: a second later the next request waits 1 s again.
    now += 1000;
    expect(limiter.sleepSeconds('k', 1)).toBe(1);
  });
});

describe('ratelimit filter', () => {
  const silent = createLogger({ server: 'test', level: 'silent' });
  const request = (method: string, path: string): ProxyRequest => ({
    method,
    rawPath: path,
    query: new URLSearchParams(),
    headers: {},
    body: Readable.from([]),
    clientIp: '127.0.0.1',
    txId: 'tx',
    log: silent,
    env: new Map(),
    continueBody: () => undefined,
  });
  const ok: App = async () => ({ status: 201, headers: {} });

  it('limits container writes per account, not reads or objects, and can answer 429', async () => {
    const filter = ratelimit(
      ConfigSection.of('filter:ratelimit', {
        account_ratelimit: 0.1,
        max_sleep_time_seconds: 1,
        ratelimit_as_client_error: true,
      }),
      { capabilities: {} } as unknown as ProxyContext,
    );
    expect((await filter(request('PUT', '/v1/AUTH_a/c1'), ok)).status).toBe(201);
    const refused = await filter(request('DELETE', '/v1/AUTH_a/c2'), ok);
    expect(refused.status).toBe(429);
    expect(refused.body).toBe('Slow down');
    expect((await filter(request('PUT', '/v1/AUTH_b/c1'), ok)).status).toBe(201);
    expect((await filter(request('GET', '/v1/AUTH_a/c1'), ok)).status).toBe(201);
    expect((await filter(request('POST', '/v1/AUTH_a/c1'), ok)).status).toBe(201);
    expect((await filter(request('PUT', '/v1/AUTH_a'), ok)).status).toBe(201);
  });

  it('exempts whitelisted accounts and refuses blacklisted ones with 497', async () => {
    const filter = ratelimit(
      ConfigSection.of('filter:ratelimit', {
        account_ratelimit: 0.1,
        max_sleep_time_seconds: 1,
        account_whitelist: 'AUTH_vip, AUTH_other',
        account_blacklist: 'AUTH_bad',
      }),
      { capabilities: {} } as unknown as ProxyContext,
    );
    for (let i = 0; i < 3; i++)
      expect((await filter(request('PUT', `/v1/AUTH_vip/c${i}`), ok)).status).toBe(201);
    const bad = await filter(request('GET', '/v1/AUTH_bad/c'), ok);
    expect(bad.status).toBe(497);
    expect(bad.body).toBe('Your account has been blacklisted');
  });
});
