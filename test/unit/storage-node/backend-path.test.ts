import { describe, expect, it } from 'vitest';
import { StratusError } from '../../../common/errors.js';
import { backendPath } from '../../../common/backend-url.js';
import { parseBackendPath } from '../../../storage-node/http/backend-path.js';

function status(path: string, min: 3 | 4 | 5, max: 3 | 4 | 5): number | undefined {
  try {
    parseBackendPath(path, min, max, 1024);
    return undefined;
  } catch (err) {
    return (err as StratusError).status;
  }
}

describe('backend paths', () => {
  it('splits and decodes every part; object names keep their slashes', () => {
    expect(parseBackendPath('/sdb1/7/AUTH_a/c%20d/dir/sub/o%E2%98%83', 5, 5, 1024)).toEqual({
      device: 'sdb1',
      partition: 7,
      account: 'AUTH_a',
      container: 'c d',
      object: 'dir/sub/o☃',
    });
    expect(parseBackendPath('/sdb1/0/AUTH_a', 3, 4, 1024)).toEqual({
      device: 'sdb1',
      partition: 0,
      account: 'AUTH_a',
    });
  });

  it('round-trips what backendPath builds', () => {
    const built = backendPath('sdb1', 12, 'AUTH_ü', 'c?#', 'a/b c/%41');
    expect(parseBackendPath(built, 5, 5, 1024)).toMatchObject({
      account: 'AUTH_ü',
      container: 'c?#',
      object: 'a/b c/%41',
    });
  });

  it('rejects traversal, bad partitions, bad encodings and wrong depths with 400', () => {
    expect(status('/../0/a/c/o', 5, 5)).toBe(400);
    expect(status('/%2E%2E/0/a/c/o', 5, 5)).toBe(400);
    expect(status('/sd%2Fb/0/a/c/o', 5, 5)).toBe(400);
    expect(status('/sdb1/1024/a/c/o', 5, 5)).toBe(400);
    expect(status('/sdb1/-1/a/c/o', 5, 5)).toBe(400);
    expect(status('/sdb1/1.5/a/c/o', 5, 5)).toBe(400);
    expect(status('/sdb1/0/a/c/%ZZ', 5, 5)).toBe(400);
    expect(status('/sdb1/0/a/c/x%00y', 5, 5)).toBe(400);
    expect(status('/sdb1/0/a/c/%ED%A0%80', 5, 5)).toBe(400);
    expect(status('/sdb1/0/a/c', 5, 5)).toBe(400);
    expect(status('/sdb1/0/a/c/o', 3, 4)).toBe(400);
    expect(status('/sdb1/0//c/o', 5, 5)).toBe(400);
    expect(status('/sdb1/0/a/c/o', 5, 5)).toBeUndefined();
  });
});
