import { describe, expect, it } from 'vitest';
import type { KeystoneIdentity } from '../../../proxy/keystone/token.js';
import { TokenCache, type Validation } from '../../../proxy/keystone/token-cache.js';

/** A Keystone stand-in for the cache's sake: which tokens are valid now, and how often asked. */
function keystone(start = 1_000_000) {
  const state = {
    now: start,
    calls: 0,
    valid: new Map<string, number>(), // token → expiry (ms)
    down: false,
  };
  const validate = async (token: string): Promise<Validation> => {
    state.calls++;
    if (state.down) throw new Error('unreachable');
    const expiresAt = state.valid.get(token);
    if (expiresAt === undefined || expiresAt <= state.now) return { valid: false };
    const identity: KeystoneIdentity = {
      user: { id: 'u', name: 'u' },
      roles: ['member'],
      expiresAt,
    };
    return { valid: true, identity };
  };
  return { state, validate, clock: () => state.now };
}

describe('token cache', () => {
  it('asks Keystone once per token per period', async () => {
    const k = keystone();
    k.state.valid.set('t1', k.state.now + 3_600_000);
    const cache = new TokenCache(60_000, k.validate, k.clock);
    expect((await cache.get('t1')).valid).toBe(true);
    expect((await cache.get('t1')).valid).toBe(true);
    expect(k.state.calls).toBe(1);
    k.state.now += 59_000;
    await cache.get('t1');
    expect(k.state.calls).toBe(1);
    k.state.now += 2_000;
    await cache.get('t1');
    expect(k.state.calls).toBe(2);
  });

  it('refuses a revoked token once the period is over', async () => {
    const k = keystone();
    k.state.valid.set('t1', k.state.now + 3_600_000);
    const cache = new TokenCache(5_000, k.validate, k.clock);
    expect((await cache.get('t1')).valid).toBe(true);
    k.state.valid.delete('t1'); // revoked in Keystone
    k.state.now += 5_001;
    expect((await cache.get('t1')).valid).toBe(false);
  });

  it('never keeps a token past its expiry, even within the period', async () => {
    const k = keystone();
    k.state.valid.set('t1', k.state.now + 2_000);
    const cache = new TokenCache(60_000, k.validate, k.clock);
    expect((await cache.get('t1')).valid).toBe(true);
    k.state.now += 2_000;
    expect((await cache.get('t1')).valid).toBe(false);
  });

  it('keeps invalid answers too, and shares one call among concurrent requests', async () => {
    const k = keystone();
    const cache = new TokenCache(60_000, k.validate, k.clock);
    const results = await Promise.all([cache.get('bad'), cache.get('bad'), cache.get('bad')]);
    expect(results.every((r) => !r.valid)).toBe(true);
    await cache.get('bad');
    expect(k.state.calls).toBe(1);
  });

  it('keeps nothing with a period of 0, and no failure ever', async () => {
    const k = keystone();
    k.state.valid.set('t1', k.state.now + 3_600_000);
    const off = new TokenCache(0, k.validate, k.clock);
    await off.get('t1');
    await off.get('t1');
    expect(k.state.calls).toBe(2);

    const cache = new TokenCache(60_000, k.validate, k.clock);
    k.state.down = true;
    await expect(cache.get('t1')).rejects.toThrow('unreachable');
    k.state.down = false;
    expect((await cache.get('t1')).valid).toBe(true);
  });

  it('stays within its size, dropping lapsed then oldest entries', async () => {
    const k = keystone();
    const cache = new TokenCache(1_000, k.validate, k.clock, 3);
    await cache.get('a');
    await cache.get('b');
    k.state.now += 1_000; // a and b lapse
    await cache.get('c');
    await cache.get('d');
    await cache.get('e');
    expect(cache.size).toBe(3);
    await cache.get('f'); // full of live entries: the oldest (c) goes
    expect(cache.size).toBe(3);
    const calls = k.state.calls;
    await cache.get('d');
    expect(k.state.calls).toBe(calls);
    await cache.get('c');
    expect(k.state.calls).toBe(calls + 1);
  });
});
