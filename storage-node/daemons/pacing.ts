/**
 * How fast a daemon works: Swift's rate limits (the auditor's files_per_second and
 * bytes_per_second, the updater's objects_per_second, the expirer's tasks_per_second, …) and a
 * bounded pool of concurrent work items. Background passes must leave the disks and the network
 * to client requests; a rate limit is the operator's knob for that.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: Clock = { now: () => performance.now(), sleep: (ms) => sleep(ms) };

/**
 * At most `perSecond` units per second on average (Swift's `ratelimit_sleep`); 0 or less means
 * no limit. After an idle spell the limiter lets work catch up for at most `burstSeconds`
 * (Swift's rate_buffer, 5 s), so a long pause is not followed by an unbounded burst.
 * Callers sharing one limiter get consecutive slots: the slot is taken before sleeping.
 */
export class RateLimiter {
  private next: number | undefined;

  constructor(
    readonly perSecond: number,
    private readonly clock: Clock = realClock,
    private readonly burstSeconds = 5,
  ) {}

  /** Waits until `units` more may be used (e.g. the bytes of a chunk just read). */
  async wait(units = 1): Promise<void> {
    if (!(this.perSecond > 0) || units <= 0) return;
    const now = this.clock.now();
    if (this.next === undefined || now - this.next > this.burstSeconds * 1000) this.next = now;
    const delay = this.next - now;
    this.next += (units / this.perSecond) * 1000;
    if (delay > 0) await this.clock.sleep(delay);
  }
}

/**
 * Runs `work` on every item with at most `concurrency` at once, taking items in order (an
 * async iterable is read lazily, so a huge walk is never held in memory). Errors thrown by
 * `work` propagate after the running items finish; daemons catch per item and count failures.
 */
export async function forEachConcurrently<T>(
  items: Iterable<T> | AsyncIterable<T>,
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const iterator =
    Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure) {
      const step = await iterator.next();
      if (step.done) return;
      try {
        await work(step.value);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  if (failure) throw failure.error;
}
