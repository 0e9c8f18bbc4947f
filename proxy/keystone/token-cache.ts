/**
 * Token validations kept for `token_cache_time` seconds (authtoken's cache), so a busy client
 * costs Keystone one call per token per period. Both outcomes are kept — a token never turns
 * valid later — but never past the token's own expiry, and a revoked token is refused at the
 * latest one period after its revocation. Concurrent requests with the same token share one
 * call. Keys are SHA-256 digests, so the cache holds no usable token.
 */
import { createHash } from 'node:crypto';
import type { KeystoneIdentity } from './token.js';

export type Validation = { valid: true; identity: KeystoneIdentity } | { valid: false };

interface Entry {
  result: Validation;
  /** Milliseconds since the epoch. */
  until: number;
}

const INVALID: Validation = { valid: false };

export class TokenCache {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<Validation>>();

  constructor(
    private readonly ttlMs: number,
    private readonly validate: (token: string) => Promise<Validation>,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {}

  /** The token's validation, from the cache or from Keystone; rejects when Keystone fails. */
  async get(token: string): Promise<Validation> {
    const key = createHash('sha256').update(token).digest('base64url');
    const hit = this.entries.get(key);
    if (hit && hit.until > this.now()) return this.unexpired(hit.result);
    if (hit) this.entries.delete(key);
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.fetch(key, token);
      this.pending.set(key, pending);
    }
    return this.unexpired(await pending);
  }

  get size(): number {
    return this.entries.size;
  }

  private async fetch(key: string, token: string): Promise<Validation> {
    try {
      const result = await this.validate(token);
      this.store(key, result);
      return result;
    } finally {
      this.pending.delete(key);
    }
  }

  private unexpired(result: Validation): Validation {
    return result.valid && result.identity.expiresAt <= this.now() ? INVALID : result;
  }

  private store(key: string, result: Validation): void {
    if (this.ttlMs <= 0) return;
    const now = this.now();
    const until = Math.min(
      now + this.ttlMs,
      result.valid ? result.identity.expiresAt : Number.POSITIVE_INFINITY,
    );
    if (until <= now) return;
    if (this.entries.size >= this.maxEntries) this.evict(now);
    this.entries.set(key, { result, until });
  }

  /** Drops what has lapsed; if that is not enough, the oldest entries (insertion order). */
  private evict(now: number): void {
    for (const [key, entry] of this.entries) if (entry.until <= now) this.entries.delete(key);
    for (const key of this.entries.keys()) {
      if (this.entries.size < this.maxEntries) break;
      this.entries.delete(key);
    }
  }
}
