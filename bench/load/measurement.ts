/**
 * What one scenario run measures, whichever client drove it: completed requests, payload
 * bytes, latency percentiles over every response (not only the 2xx ones, so a fast error
 * cannot flatter the figures), the non-2xx count and a per-second timeline for the charts.
 */

export interface Measurement {
  /** Responses received (any status). */
  requests: number;
  /** Wall-clock seconds from the first request sent to the last response. */
  seconds: number;
  /** 2xx responses per second: a store that fails fast must not look fast. */
  requestsPerSecond: number;
  /** Payload MiB per second (object bodies sent or received, listing bodies received). */
  mibPerSecond: number;
  latencyMs: { p50: number; p99: number; p999: number; max: number };
  /** Responses whose status is not 2xx. */
  non2xx: number;
  /** Requests that got no response at all (connection errors, timeouts). */
  errors: number;
  /** Statuses other than 2xx with their counts, e.g. { "503": 2 }. */
  statuses: Record<string, number>;
  /** Responses completed in each second of the run. */
  timeline: number[];
  /** Figures some scenarios add, e.g. the proxy's peak RSS. */
  extra?: Record<string, number>;
}

/** Collects responses as they complete; `finish()` turns them into a Measurement. */
export class Recorder {
  private latencies: number[] = [];
  private bytes = 0;
  private non2xx = 0;
  private errors = 0;
  private statuses: Record<string, number> = {};
  private timeline: number[] = [];
  private readonly started = performance.now();
  private last = this.started;

  /** One response: its status, its latency in ms and the payload bytes it moved. */
  response(status: number, latencyMs: number, payloadBytes: number): void {
    this.last = performance.now();
    this.latencies.push(latencyMs);
    this.bytes += payloadBytes;
    if (status < 200 || status > 299) {
      this.non2xx++;
      this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    }
    const second = Math.floor((this.last - this.started) / 1000);
    while (this.timeline.length <= second) this.timeline.push(0);
    this.timeline[second]!++;
  }

  error(): void {
    this.errors++;
  }

  finish(): Measurement {
    const seconds = Math.max(0.001, (this.last - this.started) / 1000);
    const sorted = Float64Array.from(this.latencies).sort();
    const at = (q: number) =>
      sorted.length === 0
        ? 0
        : round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!, 2);
    return {
      requests: sorted.length,
      seconds: round(seconds, 2),
      requestsPerSecond: round((sorted.length - this.non2xx) / seconds, 1),
      mibPerSecond: round(this.bytes / seconds / 1024 / 1024, 1),
      latencyMs: { p50: at(0.5), p99: at(0.99), p999: at(0.999), max: at(1) },
      non2xx: this.non2xx,
      errors: this.errors,
      statuses: this.statuses,
      timeline: this.timeline,
    };
  }
}

export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** The median of a list (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
