import { beforeAll, describe, expect, it } from 'vitest';
import { initHashing, PathHasher, partitionOf } from '../../../common/hash.js';

describe('path hashing', () => {
  beforeAll(initHashing);

  it('gives 16 hex digits, stable for a path', () => {
    const hasher = new PathHasher({ prefix: '', suffix: 'secret' });
    const hash = hasher.hashPath('AUTH_test', 'photos', 'cat.jpg');
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    expect(hasher.hashPath('AUTH_test', 'photos', 'cat.jpg')).toBe(hash);
    expect(hasher.hashPath('AUTH_test', 'photos')).not.toBe(hash);
    expect(hasher.hashPath('AUTH_test')).not.toBe(hasher.hashPath('AUTH_test', 'photos'));
  });

  it('depends on the cluster secret, so placement cannot be predicted without it', () => {
    const a = new PathHasher({ prefix: '', suffix: 'one' });
    const b = new PathHasher({ prefix: '', suffix: 'two' });
    const c = new PathHasher({ prefix: 'one', suffix: '' });
    expect(a.hashPath('AUTH_x', 'c', 'o')).not.toBe(b.hashPath('AUTH_x', 'c', 'o'));
    expect(a.hashPath('AUTH_x', 'c', 'o')).not.toBe(c.hashPath('AUTH_x', 'c', 'o'));
  });

  it('refuses an empty secret and an object without a container', () => {
    expect(() => new PathHasher({ prefix: '', suffix: '' })).toThrow('set at least one secret');
    const hasher = new PathHasher({ prefix: 'p', suffix: '' });
    expect(() => hasher.hashPath('a', undefined, 'o')).toThrow();
  });

  it('hashes UTF-8 names', () => {
    const hasher = new PathHasher({ prefix: '', suffix: 's' });
    expect(hasher.hashPath('AUTH_a', 'ctr', 'ünïcode ☃')).not.toBe(
      hasher.hashPath('AUTH_a', 'ctr', 'unicode ☃'),
    );
  });

  it('takes the partition from the top bits', () => {
    expect(partitionOf('ffffffff00000000', 10)).toBe(1023);
    expect(partitionOf('0000000000000000', 10)).toBe(0);
    expect(partitionOf('8000000000000000', 1)).toBe(1);
    expect(partitionOf('80000000ffffffff', 32)).toBe(0x80000000);
  });

  it('spreads names evenly over partitions', () => {
    const hasher = new PathHasher({ prefix: '', suffix: 'even' });
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 16000; i++)
      counts[partitionOf(hasher.hashPath('AUTH_a', 'c', `o${i}`), 4)]! += 1;
    for (const count of counts) expect(count).toBeGreaterThan(850);
  });
});
