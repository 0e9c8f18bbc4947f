/** Password hashing: scrypt, salted, self-describing, verified in constant time. */
import { describe, expect, it } from 'vitest';
import { hashPassword, verifyNothing, verifyPassword } from '../../../identity/passwords.js';

const COST = 1024;

describe('password hashing', () => {
  it('stores scrypt with its parameters and a random salt, never the password', async () => {
    const a = await hashPassword('correct horse', COST);
    const b = await hashPassword('correct horse', COST);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(a).not.toContain('correct horse');
    expect(a).not.toBe(b);
  });

  it('verifies the right password and refuses others', async () => {
    const stored = await hashPassword('s3cret', COST);
    expect(await verifyPassword('s3cret', stored)).toBe(true);
    expect(await verifyPassword('s3cret ', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('verifies hashes made with another cost (the cost is read from the hash)', async () => {
    const stored = await hashPassword('pw', 2048);
    expect(await verifyPassword('pw', stored)).toBe(true);
  });

  it('treats Unicode forms alike (NFC) and refuses malformed hashes', async () => {
    const stored = await hashPassword('caf\u00e9', COST);
    expect(await verifyPassword('cafe\u0301', stored)).toBe(true);
    expect(await verifyPassword('pw', 'plain-text')).toBe(false);
    expect(await verifyPassword('pw', 'scrypt$x$8$1$c2FsdA==$aGFzaA==')).toBe(false);
    expect(await verifyPassword('pw', stored.replace(/\$[^$]+$/, '$AAAA'))).toBe(false);
  });

  it('spends the work of a verification when there is nothing to verify', async () => {
    expect(await verifyNothing(COST)).toBe(false);
  });
});
