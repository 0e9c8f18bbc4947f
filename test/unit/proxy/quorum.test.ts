import { beforeAll, describe, expect, it } from 'vitest';
import { initHashing, PathHasher } from '../../../common/hash.js';
import { Ring } from '../../../common/ring/ring.js';
import type { RingDevice } from '../../../common/ring/ring-data.js';
import { bestStatus, quorumSize } from '../../../proxy/backend/quorum.js';
import { ErrorLimiter } from '../../../proxy/backend/error-limiter.js';
import { nodesFor } from '../../../proxy/backend/nodes.js';
import { updateHeaders } from '../../../proxy/controllers/update-targets.js';

describe('quorum', () => {
  it('needs a majority as Swift computes it', () => {
    expect([1, 2, 3, 4, 5, 6].map(quorumSize)).toEqual([1, 1, 2, 2, 3, 3]);
  });

  it.each([
    [[201, 201, 201], 3, 201],
    [[201, 201, 503], 3, 201],
    [[201, 503, 503], 3, 503],
    [[204, 404, 404], 3, 404],
    [[204, 204, 404], 3, 204],
    [[201, 202, 202], 3, 202],
    [[409, 409, 201], 3, 409],
    [[404, 503, 503, 404, 404, 404], 3, 404],
    [[503, 503], 2, 503],
    [[], 3, 503],
    [[304, 304, 200], 3, 304],
  ])('best status of %j from %i replicas is %i', (statuses, replicas, expected) => {
    expect(bestStatus(statuses, replicas)).toBe(expected);
  });
});

describe('error limiting', () => {
  const node = { ip: '10.0.0.1', port: 6200, device: 'sdb1' };

  it('limits a node after more than `limit` errors inside the interval, then forgives it', () => {
    let now = 0;
    const limiter = new ErrorLimiter(2, 60, () => now);
    limiter.recordError(node);
    limiter.recordError(node);
    expect(limiter.isLimited(node)).toBe(false);
    limiter.recordError(node);
    expect(limiter.isLimited(node)).toBe(true);
    now = 61_000;
    expect(limiter.isLimited(node)).toBe(false);
    limiter.recordError(node);
    expect(limiter.isLimited(node)).toBe(false);
  });

  it('limits at once on 507', () => {
    const limiter = new ErrorLimiter();
    limiter.limitNow(node);
    expect(limiter.isLimited(node)).toBe(true);
    expect(limiter.isLimited({ ...node, device: 'sdc1' })).toBe(false);
    expect(limiter.limitedNodes()).toEqual(['10.0.0.1:6200/sdb1']);
  });
});

describe('node order', () => {
  beforeAll(initHashing);

  const device = (id: number): RingDevice => ({
    id,
    region: 1,
    zone: id,
    ip: `10.0.0.${id}`,
    port: 6200,
    replicationIp: `10.0.0.${id}`,
    replicationPort: 6200,
    device: 'sdb1',
    weight: 1,
    meta: '',
  });
  // Part power 1: partition 0 on devices 0, 1, 2; devices 3 and 4 are its handoffs.
  const ring = Ring.fromData(
    {
      devices: [0, 1, 2, 3, 4].map(device),
      replica2part2dev: [
        Uint16Array.from([0, 3]),
        Uint16Array.from([1, 4]),
        Uint16Array.from([2, 0]),
      ],
      partShift: 31,
      replicaCount: 3,
      version: 1,
      builderId: 'test',
    },
    new PathHasher({ prefix: '', suffix: 'nodes-test' }),
  );
  const ids = (options?: Parameters<typeof nodesFor>[3], limiter = new ErrorLimiter()) =>
    [...nodesFor(ring, 0, limiter, options)].map((node) => node.id);

  it('tries the primaries in ring order, then handoffs, up to 2 × replicas', () => {
    expect(ids()).toEqual([0, 1, 2, 3, 4]);
    expect(ids({ count: 2 })).toEqual([0, 1]);
  });

  it('replaces an error-limited primary with one more handoff', () => {
    const limiter = new ErrorLimiter();
    limiter.limitNow(device(1));
    expect(ids({}, limiter)).toEqual([0, 2, 3, 4]);
  });

  it('shuffles the primaries for reads, each one first about as often, handoffs still last', () => {
    const firsts = new Map<number, number>();
    for (let i = 0; i < 3000; i++) {
      const order = ids({ shuffle: true });
      expect(order.slice(0, 3).sort()).toEqual([0, 1, 2]);
      expect(order.slice(3)).toEqual([3, 4]);
      firsts.set(order[0]!, (firsts.get(order[0]!) ?? 0) + 1);
    }
    for (const id of [0, 1, 2]) expect(firsts.get(id)).toBeGreaterThan(800);
  });
});

describe('listing update targets', () => {
  const nodes = [0, 1, 2].map((i) => ({ host: `10.0.0.${i}:6201`, device: `d${i}` }));

  it('gives each of three replicas one of three listing replicas', () => {
    expect(
      [0, 1, 2].map((r) => updateHeaders('Container', 7, nodes, r, 3)['X-Container-Host']),
    ).toEqual(['10.0.0.0:6201', '10.0.0.1:6201', '10.0.0.2:6201']);
    expect(updateHeaders('Container', 7, nodes, 1, 3)).toEqual({
      'X-Container-Host': '10.0.0.1:6201',
      'X-Container-Device': 'd1',
      'X-Container-Partition': '7',
    });
  });

  it('shares out extra listing replicas and reuses them when there are fewer', () => {
    expect(updateHeaders('Account', 1, nodes, 0, 2)['X-Account-Host']).toBe(
      '10.0.0.0:6201,10.0.0.2:6201',
    );
    expect(updateHeaders('Account', 1, nodes.slice(0, 2), 2, 3)['X-Account-Host']).toBe(
      '10.0.0.0:6201',
    );
    expect(updateHeaders('Account', 1, [], 0, 3)).toEqual({});
  });
});
