/**
 * Runs scenarios against one endpoint, remembering what its PUTs stored so the reads that
 * follow have objects to read. Reads never depend on a PUT run having happened: `prepare`
 * stores what is missing first (not measured). Large objects are written to a fixed set of
 * slots (one per connection) so repeated 64 MiB runs overwrite rather than fill the disk.
 */
import { randomBytes } from 'node:crypto';
import { runAutocannon, type BuiltRequest } from './load/autocannon-load.js';
import { round, type Measurement } from './load/measurement.js';
import { runUndici } from './load/undici-load.js';
import { cpuSeconds, sampleRss } from './proc.js';
import { containerFor, KiB, MiB, type Scenario } from './scenarios.js';
import type { SwiftSession } from './swift-session.js';

/** Writes listing rows for `names` into `container` some faster way than object PUTs. */
export type ListingSeeder = (account: string, container: string, names: string[]) => Promise<void>;

export interface WorkloadOptions {
  seconds: number;
  /** Objects in the listing container. */
  listingObjects: number;
  /** Tells objects of this run apart from earlier ones on the same endpoint. */
  runTag: string;
  seedListing?: ListingSeeder;
}

/** Objects a read scenario picks from, per size class; `prepare` stores them if missing. */
const READ_POOL = { small: 500, medium: 32, large: 16 };
/** Above 1 MiB objects are "large": written to per-connection slots, whole uploads timed. */
const isLarge = (size: number): boolean => size > MiB;
const bodies = new Map<number, Buffer>();

const WARM_UP: Scenario = {
  id: 'warm-up',
  label: 'warm-up',
  operation: 'mixed',
  size: 4 * KiB,
  connections: 16,
  unit: 'req/s',
};

function bodyOf(size: number): Buffer {
  let body = bodies.get(size);
  if (!body) bodies.set(size, (body = randomBytes(size)));
  return body;
}

export function listingName(i: number): string {
  return `obj-${String(i).padStart(7, '0')}`;
}

export class Workload {
  private readonly pools = new Map<string, Set<string>>();
  private counter = 0;

  constructor(
    readonly session: SwiftSession,
    private readonly options: WorkloadOptions,
  ) {}

  private pool(container: string): Set<string> {
    let pool = this.pools.get(container);
    if (!pool) this.pools.set(container, (pool = new Set()));
    return pool;
  }

  private newName(): string {
    return `${this.options.runTag}-${(this.counter++).toString(36)}`;
  }

  /** Creates the container and stores whatever the scenario reads (not measured). */
  async prepare(scenario: Scenario): Promise<void> {
    const container = containerFor(scenario);
    await this.session.ready();
    await this.session.ensureContainer(container);
    if (scenario.operation === 'list') return this.seedListing(container);
    if (scenario.operation === 'put') return;
    const pool = this.pool(container);
    const wanted = isLarge(scenario.size)
      ? READ_POOL.large
      : scenario.size >= MiB
        ? READ_POOL.medium
        : READ_POOL.small;
    if (pool.size >= wanted / 2) return;
    const names = Array.from({ length: wanted - pool.size }, (_, i) =>
      isLarge(scenario.size) ? `slot-${pool.size + i}` : this.newName(),
    );
    await this.session.putObjects(container, names, bodyOf(scenario.size), 8);
    for (const name of names) pool.add(name);
  }

  private async seedListing(container: string): Promise<void> {
    const target = this.options.listingObjects;
    const stored = await this.count(container);
    if (stored >= target) return;
    const names = Array.from({ length: target - stored }, (_, i) => listingName(stored + i));
    const account = decodeURIComponent(this.session.accountPath.split('/').pop()!);
    if (this.options.seedListing) await this.options.seedListing(account, container, names);
    else await this.session.putObjects(container, names, Buffer.alloc(0), 32);
    const now = await this.count(container);
    if (now < target)
      throw new Error(`${this.session.endpoint.name}: listing container holds ${now} of ${target}`);
  }

  private async count(container: string): Promise<number> {
    const reply = await this.session.call('HEAD', this.session.path(container));
    return Number(reply.headers['x-container-object-count'] ?? 0);
  }

  /**
   * A GET/PUT 80/20 load of 4 KiB objects for `seconds`, not measured, so the first measured
   * run does not meet a cold store (JavaScript the JIT has not optimised yet, empty caches).
   */
  async warmUp(seconds: number): Promise<void> {
    if (seconds <= 0) return;
    await this.prepare(WARM_UP);
    await this.drive(WARM_UP, seconds);
  }

  /** Runs one scenario for the configured time; the proxy's memory is sampled meanwhile. */
  async run(scenario: Scenario): Promise<Measurement> {
    await this.session.ready();
    const { endpoint } = this.session;
    const proxy = endpoint.proxyPids?.() ?? [];
    const rss = proxy.length > 0 ? sampleRss(proxy) : undefined;
    const servers = endpoint.serverPids?.() ?? [];
    const cpuBefore = cpuSeconds(servers);
    try {
      const m = await this.drive(scenario);
      const extra: Record<string, number> = {};
      if (rss) extra.proxyPeakRssMiB = rss.stop();
      if (servers.length > 0) {
        const cpu = cpuSeconds(servers) - cpuBefore;
        // Includes the few requests still in flight when the clock stopped: a slight overcount.
        extra.serverCpuMsPerRequest = round((1000 * cpu) / Math.max(1, m.requests), 2);
        extra.serverCpuCores = round(cpu / m.seconds, 2);
      }
      m.extra = { ...m.extra, ...extra };
      return m;
    } finally {
      rss?.stop();
    }
  }

  private drive(scenario: Scenario, seconds = this.options.seconds): Promise<Measurement> {
    const container = containerFor(scenario);
    const pool = this.pool(container);
    const names = [...pool];
    const pick = () => names[Math.floor(Math.random() * names.length)]!;
    const { session } = this;
    const body = bodyOf(scenario.size);
    const stored = (tag: string | undefined, status: number) => {
      if (tag !== undefined && status >= 200 && status < 300) pool.add(tag);
    };
    const put = (name: string): BuiltRequest => ({
      method: 'PUT',
      path: session.path(container, name),
      headers: {
        ...session.authHeaders,
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(body.length),
      },
      body,
      payload: body.length,
      tag: name,
    });
    const read = (method: 'GET' | 'HEAD'): BuiltRequest => ({
      method,
      path: session.path(container, pick()),
      headers: session.authHeaders,
      payload: method === 'GET' ? body.length : 0,
    });
    const base = {
      origin: session.origin,
      connections: scenario.connections,
      seconds,
      done: stored,
    };
    if (scenario.operation === 'list') {
      const span = Math.max(1, this.options.listingObjects - scenario.limit!);
      return runAutocannon({
        ...base,
        next: () => ({
          method: 'GET',
          path:
            `${session.path(container)}?format=json&limit=${scenario.limit}` +
            `&marker=${listingName(Math.floor(Math.random() * span))}`,
          headers: session.authHeaders,
        }),
      });
    }
    if (scenario.operation === 'mixed') {
      let i = 0;
      return runAutocannon({
        ...base,
        next: () => (i++ % 5 === 4 ? put(this.newName()) : read('GET')),
      });
    }
    if (scenario.size < MiB && scenario.operation !== 'head') {
      return runAutocannon({
        ...base,
        next: () => (scenario.operation === 'put' ? put(this.newName()) : read('GET')),
      });
    }
    const large = isLarge(scenario.size);
    return runUndici({
      ...base,
      minPerWorker: large ? 1 : 0,
      next: (worker) =>
        scenario.operation === 'put'
          ? put(large ? `slot-${worker}` : this.newName())
          : read(scenario.operation === 'head' ? 'HEAD' : 'GET'),
    });
  }

  /** Deletes a size class's objects once no later scenario reads them (frees the disk). */
  async release(container: string): Promise<void> {
    this.pools.delete(container);
    await this.session.emptyAndDelete(container);
  }
}
