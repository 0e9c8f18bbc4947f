/**
 * The benchmark's view of a store: any Swift-API endpoint with TempAuth v1. It logs in, then
 * offers the few calls the scenarios need besides the measured load (create a container, put
 * objects to read later, delete what a size class left behind).
 */
import { Agent, request, type Dispatcher } from 'undici';

export interface Endpoint {
  /** A name for reports, e.g. "stratus" or "swift". */
  name: string;
  authUrl: string;
  user: string;
  key: string;
  /** Processes whose memory to sample (the proxy and its workers), when local. */
  proxyPids?: () => number[];
  /** Every server process of the store (children included), when local: for CPU per request. */
  serverPids?: () => number[];
}

export class SwiftSession {
  readonly origin: string;
  /** `/v1/AUTH_test`, the account path every request starts with. */
  readonly accountPath: string;
  private readonly agent = new Agent({ connections: 64, keepAliveTimeout: 10_000 });

  private constructor(
    readonly endpoint: Endpoint,
    private token: string,
    readonly storageUrl: string,
  ) {
    const url = new URL(storageUrl);
    this.origin = url.origin;
    this.accountPath = url.pathname.replace(/\/$/, '');
  }

  static async login(endpoint: Endpoint): Promise<SwiftSession> {
    const { token, storageUrl } = await authenticate(endpoint);
    return new SwiftSession(endpoint, token, storageUrl);
  }

  /**
   * Waits until the account answers 2xx, logging in again on 401 (at most `timeoutMs`). An
   * overloaded store can lose its tokens — Swift's proxy stops asking memcached for a minute
   * after timeouts, and TempAuth then refuses every token — and the next scenario must not
   * inherit that: the failures already counted against the run that caused them.
   */
  async ready(timeoutMs = 180_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { status } = await this.call('HEAD', this.accountPath).catch(() => ({ status: 0 }));
      if (status >= 200 && status < 300) return;
      if (Date.now() > deadline)
        throw new Error(`${this.endpoint.name}: the account still answers ${status}`);
      if (status === 401) {
        const fresh = await authenticate(this.endpoint).catch(() => undefined);
        if (fresh) this.token = fresh.token;
      }
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }

  get authHeaders(): Record<string, string> {
    return { 'X-Auth-Token': this.token };
  }

  /** `/v1/AUTH_x/<container>[/<object>]`, names URL-encoded. */
  path(container: string, object?: string): string {
    const base = `${this.accountPath}/${encodeURIComponent(container)}`;
    return object === undefined ? base : `${base}/${encodeURIComponent(object)}`;
  }

  async call(
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: Buffer; read?: boolean } = {},
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    const reply: Dispatcher.ResponseData = await request(`${this.origin}${path}`, {
      method: method as 'GET',
      headers: { ...this.authHeaders, ...options.headers },
      body: options.body ?? null,
      dispatcher: this.agent,
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(reply.headers))
      if (typeof value === 'string') headers[name] = value;
    if (!options.read) {
      await reply.body.dump({ limit: Number.MAX_SAFE_INTEGER }); // drain so the connection is reused
      return { status: reply.statusCode, headers, body: Buffer.alloc(0) };
    }
    const body = Buffer.from(await reply.body.arrayBuffer());
    return { status: reply.statusCode, headers, body };
  }

  async ensureContainer(container: string): Promise<void> {
    const { status } = await this.call('PUT', this.path(container));
    if (status !== 201 && status !== 202)
      throw new Error(`${this.endpoint.name}: PUT container ${container} answered ${status}`);
  }

  /** Puts `names` (each `body`), `concurrency` at a time; throws on any non-2xx. */
  async putObjects(
    container: string,
    names: readonly string[],
    body: Buffer,
    concurrency = 16,
  ): Promise<void> {
    await forEachConcurrently(names, concurrency, async (name) => {
      const { status } = await this.call('PUT', this.path(container, name), {
        headers: { 'Content-Type': 'application/octet-stream' },
        body,
      });
      if (status !== 201) throw new Error(`${this.endpoint.name}: PUT ${name} answered ${status}`);
    });
  }

  /** Deletes every object of a container (listing page by page), then the container. */
  async emptyAndDelete(container: string, concurrency = 32): Promise<void> {
    // Listings may lag deletes (Swift updates them asynchronously past its timeout): give up
    // after a few passes more than the names need rather than loop forever.
    for (let pass = 0; pass < 50; pass++) {
      const page = await this.call('GET', `${this.path(container)}?format=json&limit=10000`, {
        read: true,
      });
      if (page.status === 404) return;
      const names = (JSON.parse(page.body.toString('utf8') || '[]') as { name: string }[]).map(
        (entry) => entry.name,
      );
      if (names.length === 0) break;
      await forEachConcurrently(names, concurrency, async (name) => {
        await this.call('DELETE', this.path(container, name));
      });
    }
    await this.call('DELETE', this.path(container));
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

async function authenticate(endpoint: Endpoint): Promise<{ token: string; storageUrl: string }> {
  const reply = await request(endpoint.authUrl, {
    headers: { 'X-Auth-User': endpoint.user, 'X-Auth-Key': endpoint.key },
  });
  await reply.body.dump();
  const token = reply.headers['x-auth-token'];
  const storageUrl = reply.headers['x-storage-url'];
  if (reply.statusCode !== 200 || typeof token !== 'string' || typeof storageUrl !== 'string')
    throw new Error(`${endpoint.name}: login as ${endpoint.user} failed (${reply.statusCode})`);
  return { token, storageUrl };
}

/** Runs `work` over `items` with at most `concurrency` in flight; the first error wins. */
export async function forEachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}
