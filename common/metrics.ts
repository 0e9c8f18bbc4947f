/**
 * Prometheus metrics (prom-client), served on `GET /metrics` by every process: requests by
 * server, method and status with latency histograms, bytes in and out, Node's own process
 * metrics, and whatever a process adds (replication passes, async pendings, error-limited
 * nodes, …). Gauges that describe disk state are computed when scraped, so they cost
 * nothing between scrapes.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'server' | 'method' | 'status'>;
  private readonly latency: Histogram<'server' | 'method'>;
  private readonly bytesIn: Counter<'server'>;
  private readonly bytesOut: Counter<'server'>;

  constructor(process: string) {
    this.registry.setDefaultLabels({ process });
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'stratus_requests_total',
      help: 'HTTP requests answered, by server, method and status',
      labelNames: ['server', 'method', 'status'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'stratus_request_duration_seconds',
      help: 'Time from request to the end of the response',
      labelNames: ['server', 'method'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    this.bytesIn = new Counter({
      name: 'stratus_bytes_received_total',
      help: 'Request body bytes received',
      labelNames: ['server'],
      registers: [this.registry],
    });
    this.bytesOut = new Counter({
      name: 'stratus_bytes_sent_total',
      help: 'Response body bytes sent',
      labelNames: ['server'],
      registers: [this.registry],
    });
  }

  /** Records one answered request. */
  request(
    server: string,
    method: string,
    status: number,
    seconds: number,
    bytesIn: number,
    bytesOut: number,
  ): void {
    this.requests.inc({ server, method, status: String(status) });
    this.latency.observe({ server, method }, seconds);
    if (bytesIn > 0) this.bytesIn.inc({ server }, bytesIn);
    if (bytesOut > 0) this.bytesOut.inc({ server }, bytesOut);
  }

  /** A gauge whose value is computed at scrape time; `collect` sets its labelled values. */
  gauge(
    name: string,
    help: string,
    labelNames: string[],
    collect: (set: (labels: Record<string, string>, value: number) => void) => Promise<void> | void,
  ): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        await collect((labels, value) => this.set(labels, value));
      },
    });
  }

  /** The text exposition format for `GET /metrics`. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
