/**
 * ratelimit: Swift's rate limiting of the writes that load account and container databases.
 *
 *   account_ratelimit = R              container PUTs/DELETEs per second in one account
 *   container_ratelimit_<size> = R     object PUT/POST/DELETE/COPY per second in a container
 *                                      holding <size> objects (linear between the sizes
 *                                      given, flat after the last; none below the first)
 *   container_listing_ratelimit_<size> = R   container GETs (listings), likewise
 *
 * A request over its rate waits until its turn; when the wait would reach
 * max_sleep_time_seconds (60) it is refused with `498 Slow down` (429 with
 * ratelimit_as_client_error). Bursts are tolerated for rate_buffer_seconds (5).
 * account_blacklist accounts get `497 Your account has been blacklisted` after a second,
 * account_whitelist accounts are never limited. Everything is off unless configured.
 *
 * Swift keeps the counters in memcached, shared by every proxy; Stratus keeps them in this
 * proxy's memory, so with N proxies behind a load balancer the cluster-wide rate is up to N
 * times the configured one (give each proxy 1/N of the intended rate).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConfigSection } from '../../common/config.js';
import { parseApiPath, type ApiPath } from '../path.js';
import { textResponse, type ProxyRequest } from '../pipeline.js';
import type { FilterFactory } from './types.js';

export type RatePoint = [size: number, rate: number];

/** Reads `<prefix><size> = <rate>` settings, sorted by size (Swift's interpret_conf_limits). */
export function readRatePoints(conf: ConfigSection, prefix: string): RatePoint[] {
  const points: RatePoint[] = [];
  for (const key of conf.keys()) {
    const lower = key.toLowerCase();
    if (!lower.startsWith(prefix)) continue;
    const size = lower.slice(prefix.length);
    if (!/^\d+$/.test(size)) continue; // refused by rejectUnknown() in the filter
    points.push([Number(size), conf.number(key, 0, { min: 0 })]);
  }
  return points.sort((a, b) => a[0] - b[0]);
}

/**
 * Requests per second allowed for a container of `size` objects: linear between the
 * configured sizes, the last rate beyond them, none below the first (nor for empty ones).
 */
export function maxRate(points: readonly RatePoint[], size: number): number | undefined {
  if (!size) return undefined;
  let rate: number | undefined;
  for (let i = 0; i < points.length; i++) {
    const [pointSize, pointRate] = points[i]!;
    if (size < pointSize) break;
    const following = points[i + 1];
    rate = following
      ? pointRate + ((size - pointSize) * (following[1] - pointRate)) / (following[0] - pointSize)
      : pointRate;
  }
  return rate;
}

export interface LimiterSettings {
  maxSleepTimeSeconds: number;
  clockAccuracy: number;
  rateBufferSeconds: number;
}

/**
 * Swift's `_get_sleep_time` over an in-memory counter per key: each request books the next
 * slot (1/rate seconds after the last booked one) and sleeps until it; slots older than the
 * buffer are forgotten, so a quiet key starts afresh.
 */
export class RateLimiter {
  private readonly booked = new Map<string, number>();

  constructor(
    private readonly settings: LimiterSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds to wait before serving, or undefined when that would reach max_sleep_time. */
  sleepSeconds(key: string, rate: number): number | undefined {
    const { clockAccuracy, rateBufferSeconds, maxSleepTimeSeconds } = this.settings;
    const now = Math.round((this.now() / 1000) * clockAccuracy);
    const perRequest = Math.round(clockAccuracy / rate);
    const running = (this.booked.get(key) ?? 0) + perRequest;
    this.booked.set(key, running);
    let need = 0;
    if (now - running > rateBufferSeconds * clockAccuracy) {
      this.booked.set(key, now + perRequest);
    } else {
      need = Math.max(running - now - perRequest, 0);
    }
    if (maxSleepTimeSeconds * clockAccuracy - need <= clockAccuracy * 0.01) {
      this.booked.set(key, this.booked.get(key)! - perRequest); // a refused request books nothing
      return undefined;
    }
    if (this.booked.size > 10_000) this.forgetIdle(now);
    return need / clockAccuracy;
  }

  private forgetIdle(now: number): void {
    const horizon = now - this.settings.rateBufferSeconds * this.settings.clockAccuracy;
    for (const [key, running] of this.booked) if (running < horizon) this.booked.delete(key);
  }
}

const listOf = (text: string): Set<string> =>
  new Set(
    text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  );

const WRITES = new Set(['PUT', 'DELETE', 'POST', 'COPY']);

export const ratelimit: FilterFactory = (conf, ctx) => {
  const known = [
    'use',
    'account_ratelimit',
    'max_sleep_time_seconds',
    'log_sleep_time_seconds',
    'clock_accuracy',
    'rate_buffer_seconds',
    'account_whitelist',
    'account_blacklist',
    'ratelimit_as_client_error',
  ];
  conf.rejectUnknown([
    ...known,
    ...conf.keys().filter((key) => /^container_(listing_)?ratelimit_\d+$/i.test(key)),
  ]);
  const accountRate = conf.number('account_ratelimit', 0, { min: 0 });
  const settings: LimiterSettings = {
    maxSleepTimeSeconds: conf.number('max_sleep_time_seconds', 60, { min: 0 }),
    clockAccuracy: conf.int('clock_accuracy', 1000, { min: 1 }),
    rateBufferSeconds: conf.int('rate_buffer_seconds', 5, { min: 0 }),
  };
  const logSleepSeconds = conf.number('log_sleep_time_seconds', 0, { min: 0 });
  const whitelist = listOf(conf.string('account_whitelist', ''));
  const blacklist = listOf(conf.string('account_blacklist', ''));
  const refusal = conf.bool('ratelimit_as_client_error', false) ? 429 : 498;
  const containerRates = readRatePoints(conf, 'container_ratelimit_');
  const listingRates = readRatePoints(conf, 'container_listing_ratelimit_');
  const limiter = new RateLimiter(settings);
  ctx.capabilities.ratelimit = {
    account_ratelimit: accountRate,
    max_sleep_time_seconds: settings.maxSleepTimeSeconds,
    container_ratelimits: containerRates,
    container_listing_ratelimits: listingRates,
  };

  /** The counters this request is held to, in Swift's order. */
  async function keysFor(req: ProxyRequest, path: ApiPath): Promise<[string, number][]> {
    const keys: [string, number][] = [];
    const { account, container, object } = path;
    if (container === undefined) return keys;
    if (
      accountRate > 0 &&
      object === undefined &&
      (req.method === 'PUT' || req.method === 'DELETE')
    )
      keys.push([`ratelimit/${account}`, accountRate]);
    const curve =
      object !== undefined && WRITES.has(req.method)
        ? { points: containerRates, key: `ratelimit/${account}/${container}` }
        : object === undefined && req.method === 'GET'
          ? { points: listingRates, key: `ratelimit_listing/${account}/${container}` }
          : undefined;
    if (curve && curve.points.length > 0) {
      const info = await ctx.info.container(account, container, req.txId);
      const rate = maxRate(curve.points, Number(info.headers['x-container-object-count'] ?? 0));
      if (rate) keys.push([curve.key, rate]);
    }
    return keys;
  }

  return async (req, next) => {
    const path = parseApiPath(req.rawPath);
    if (!path) return next(req);
    if (blacklist.has(path.account)) {
      req.log.error({ account: path.account }, 'returning 497 because of blacklisting');
      await sleep(1000);
      return textResponse(497, 'Your account has been blacklisted');
    }
    if (whitelist.has(path.account)) return next(req);
    for (const [key, rate] of await keysFor(req, path)) {
      const wait = limiter.sleepSeconds(key, rate);
      if (wait === undefined) {
        req.log.error({ method: req.method, key }, `returning ${refusal}: ratelimit (max sleep)`);
        return textResponse(refusal, 'Slow down');
      }
      if (logSleepSeconds > 0 && wait > logSleepSeconds)
        req.log.warn({ sleep: wait, key }, 'ratelimit sleep');
      if (wait > 0) await sleep(wait * 1000);
    }
    return next(req);
  };
};
