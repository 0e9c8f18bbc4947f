/**
 * Account and container info the proxy needs before most requests (does the container
 * exist? its ACLs, its listing nodes), fetched with a HEAD to the replicas and cached for
 * recheck_account_existence / recheck_container_existence seconds (misses for one second).
 * Writes through this proxy drop the cached entry at once.
 */
import type { Ring } from '../common/ring/ring.js';
import type { BackendClient } from './backend/client.js';
import { readFromNodes } from './backend/fan-out.js';

export interface ResourceInfo {
  /** 2xx when it exists, 404 when not, 503 when no replica answered. */
  status: number;
  /** The backend HEAD's headers (lower-case). */
  headers: Record<string, string>;
}

interface Entry {
  info: ResourceInfo;
  expires: number;
}

const NEGATIVE_TTL_MS = 1000;

export class InfoCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly client: BackendClient,
    private readonly rings: { account: Ring; container: Ring },
    private readonly ttlSeconds: { account: number; container: number },
  ) {}

  account(account: string, txId: string): Promise<ResourceInfo> {
    return this.lookup(`a/${account}`, this.ttlSeconds.account, async () => {
      const ring = this.rings.account;
      return this.head(ring, ring.getPartition(account), txId, account);
    });
  }

  container(account: string, container: string, txId: string): Promise<ResourceInfo> {
    return this.lookup(`c/${account}/${container}`, this.ttlSeconds.container, async () => {
      const ring = this.rings.container;
      return this.head(ring, ring.getPartition(account, container), txId, account, container);
    });
  }

  invalidate(account: string, container?: string): void {
    this.entries.delete(container === undefined ? `a/${account}` : `c/${account}/${container}`);
  }

  private async lookup(
    key: string,
    ttlSeconds: number,
    fetch: () => Promise<ResourceInfo>,
  ): Promise<ResourceInfo> {
    const cached = this.entries.get(key);
    if (cached && cached.expires > Date.now()) return cached.info;
    const info = await fetch();
    if (info.status < 500) {
      const ttl =
        info.status < 300 ? ttlSeconds * 1000 : Math.min(NEGATIVE_TTL_MS, ttlSeconds * 1000);
      this.entries.set(key, { info, expires: Date.now() + ttl });
    }
    if (this.entries.size > 100_000) this.entries.clear();
    return info;
  }

  private async head(
    ring: Ring,
    partition: number,
    txId: string,
    account: string,
    container?: string,
  ): Promise<ResourceInfo> {
    const result = await readFromNodes(
      this.client,
      { ring, partition, account, container },
      'HEAD',
      { 'X-Trans-Id': txId },
    );
    result.reply?.body.resume();
    return { status: result.status, headers: result.headers };
  }
}
