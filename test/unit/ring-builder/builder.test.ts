import { describe, expect, it } from 'vitest';
import { RingBuilder } from '../../../ring-builder/builder.js';
import { RingBuilderError } from '../../../ring-builder/builder-error.js';
import { assignWanted } from '../../../ring-builder/tiers.js';
import { assignments, layoutBuilder, randomBuilder } from '../../helpers/clusters.js';

const HOUR = 3600;
const T0 = 1_700_000_000;

function distinct<T>(items: T[]): number {
  return new Set(items).size;
}

describe('RingBuilder.rebalance on random clusters', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`keeps every invariant (cluster seed ${seed})`, () => {
      const builder = randomBuilder(seed, 12, 3);
      const result = builder.rebalance({ seed, now: T0 });
      builder.validate();
      expect(result.dispersion).toBe(0);
      // No partition has two replicas on one device, and the weights are followed as far
      // as the failure domains allow: every tier gets what it wants, within one part.
      for (const devs of assignments(builder)) expect(distinct(devs)).toBe(devs.length);
      const tree = builder.tierTree();
      assignWanted(tree, 3 * builder.partCount, builder.partCount);
      for (const leaf of tree.leaves.values()) {
        expect(Math.abs(builder.getDevice(leaf.deviceId!).parts - leaf.wanted)).toBeLessThanOrEqual(
          1.5,
        );
      }
    });
  }

  it('balances within 1% when the weights allow it', () => {
    const builder = layoutBuilder(14, 3, 1, {
      regions: 3,
      zonesPerRegion: 2,
      hostsPerZone: 2,
      devicesPerHost: 3,
      weight: (_r, _z, _h, d) => (d === 1 ? 200 : 100),
    });
    const result = builder.rebalance({ seed: 7, now: T0 });
    expect(result.balance).toBeLessThan(1);
    expect(result.dispersion).toBe(0);
  });

  it('puts replicas in distinct regions, then zones, then hosts, then devices', () => {
    // 3 regions: each partition has one replica per region.
    const regions = layoutBuilder(10, 3, 1, {
      regions: 3,
      zonesPerRegion: 2,
      hostsPerZone: 2,
      devicesPerHost: 2,
    });
    regions.rebalance({ seed: 1, now: T0 });
    for (const devs of assignments(regions))
      expect(distinct(devs.map((id) => regions.getDevice(id).region))).toBe(3);
    // 1 region, 4 zones: distinct zones.
    const zones = layoutBuilder(10, 3, 1, {
      regions: 1,
      zonesPerRegion: 4,
      hostsPerZone: 2,
      devicesPerHost: 2,
    });
    zones.rebalance({ seed: 1, now: T0 });
    for (const devs of assignments(zones))
      expect(distinct(devs.map((id) => zones.getDevice(id).zone))).toBe(3);
    // 1 zone, 3 hosts: distinct hosts.
    const hosts = layoutBuilder(10, 3, 1, {
      regions: 1,
      zonesPerRegion: 1,
      hostsPerZone: 3,
      devicesPerHost: 4,
    });
    hosts.rebalance({ seed: 1, now: T0 });
    for (const devs of assignments(hosts))
      expect(distinct(devs.map((id) => hosts.getDevice(id).ip))).toBe(3);
    // 2 regions for 3 replicas: both regions used by every partition.
    const two = layoutBuilder(10, 3, 1, {
      regions: 2,
      zonesPerRegion: 2,
      hostsPerZone: 1,
      devicesPerHost: 2,
    });
    two.rebalance({ seed: 1, now: T0 });
    for (const devs of assignments(two)) {
      expect(distinct(devs.map((id) => two.getDevice(id).region))).toBe(2);
      expect(
        distinct(devs.map((id) => `${two.getDevice(id).region}/${two.getDevice(id).zone}`)),
      ).toBe(3);
    }
  });

  it('is reproducible with a seed', () => {
    const a = randomBuilder(11);
    const b = randomBuilder(11);
    a.rebalance({ seed: 42, now: T0 });
    b.rebalance({ seed: 42, now: T0 });
    expect(a.table).toEqual(b.table);
    const c = randomBuilder(11);
    c.rebalance({ seed: 43, now: T0 });
    expect(c.table).not.toEqual(a.table);
  });

  it('supports fractional replica counts', () => {
    const builder = layoutBuilder(8, 2.5, 1, {
      regions: 1,
      zonesPerRegion: 3,
      hostsPerZone: 1,
      devicesPerHost: 2,
    });
    builder.rebalance({ seed: 1, now: T0 });
    builder.validate();
    expect(builder.table.map((row) => row.length)).toEqual([256, 256, 128]);
    const counts = assignments(builder).map((devs) => devs.length);
    expect(counts.filter((n) => n === 3)).toHaveLength(128);
    expect(builder.getBalance()).toBeLessThan(2);
  });
});

describe('RingBuilder moves', () => {
  function balancedRing(): RingBuilder {
    const builder = layoutBuilder(12, 3, 1, {
      regions: 1,
      zonesPerRegion: 4,
      hostsPerZone: 2,
      devicesPerHost: 2,
    });
    builder.rebalance({ seed: 1, now: T0 });
    return builder;
  }

  function diff(
    before: number[][],
    after: number[][],
  ): { moved: number; partsWithMoves: number[] } {
    let moved = 0;
    const partsWithMoves: number[] = [];
    before.forEach((devs, part) => {
      const now = after[part]!;
      const changed = devs.filter((id, replica) => now[replica] !== id).length;
      moved += changed;
      if (changed > 0) partsWithMoves.push(changed);
    });
    return { moved, partsWithMoves };
  }

  it('moves only what a weight change requires', () => {
    const builder = balancedRing();
    const before = assignments(builder);
    const partsBefore = builder.devices.map((dev) => dev.parts);
    builder.setWeight(0, 150);
    const result = builder.rebalance({ seed: 2, now: T0 + 2 * HOUR });
    builder.validate();
    const after = assignments(builder);
    // The least any rebalance can move: what devices must give up.
    const mustMove = builder.devices.reduce(
      (sum, dev, i) => sum + Math.max(0, partsBefore[i]! - dev.parts),
      0,
    );
    const { moved } = diff(before, after);
    expect(result.movedReplicas).toBe(moved);
    expect(moved).toBeLessThanOrEqual(mustMove * 1.02 + 2);
    // Device 0 wants 150/1650 of the slots now.
    expect(Math.abs(builder.getDevice(0).parts - (150 / 1650) * 3 * 4096)).toBeLessThanOrEqual(1.5);
    expect(result.balance).toBeLessThan(1);
  });

  it('moves at most one replica of a partition per min_part_hours, and nothing already moved', () => {
    const builder = balancedRing();
    builder.setWeight(0, 300);
    const first = assignments(builder);
    builder.rebalance({ seed: 2, now: T0 + 2 * HOUR });
    const second = assignments(builder);
    const firstMoves = diff(first, second);
    expect(Math.max(...firstMoves.partsWithMoves)).toBe(1);
    const movedParts = new Set(
      second.map((_, p) => p).filter((p) => second[p]!.some((id, r) => first[p]![r] !== id)),
    );
    // Within the same hour nothing moved a second time, even with a new weight change.
    builder.setWeight(1, 300);
    builder.rebalance({ seed: 3, now: T0 + 2 * HOUR + 60 });
    const third = assignments(builder);
    for (const part of movedParts) expect(third[part]).toEqual(second[part]);
    expect(builder.minPartSecondsLeft(T0 + 2 * HOUR + 60)).toBeGreaterThan(0);
    // An hour later they may move again.
    builder.setWeight(2, 300);
    const result = builder.rebalance({ seed: 4, now: T0 + 4 * HOUR });
    expect(result.movedReplicas).toBeGreaterThan(0);
    expect(result.balance).toBeLessThan(1);
  });

  it('moves every replica off a removed device at once, ignoring min_part_hours', () => {
    const builder = balancedRing();
    const before = assignments(builder);
    const onDevice = before.filter((devs) => devs.includes(5)).length;
    builder.removeDevice(5);
    // Same instant as the build: min_part_hours holds every other move back.
    const result = builder.rebalance({ seed: 2, now: T0 });
    builder.validate();
    expect(builder.devs[5]).toBeNull();
    expect(assignments(builder).some((devs) => devs.includes(5))).toBe(false);
    expect(result.movedReplicas).toBe(onDevice);
    // The freed id is reused by the next device added.
    expect(
      builder.addDevice({
        region: 1,
        zone: 1,
        ip: '10.9.9.9',
        port: 6200,
        device: 'sdz',
        weight: 100,
      }),
    ).toBe(5);
  });

  it('drains a zero-weight device over min_part_hours windows', () => {
    const builder = balancedRing();
    builder.setWeight(3, 0);
    builder.rebalance({ seed: 2, now: T0 + 2 * HOUR });
    expect(builder.getDevice(3).parts).toBe(0);
    builder.validate();
  });

  it('spreads a new zone in, one replica per partition per window', () => {
    const builder = balancedRing();
    for (let d = 1; d <= 4; d++)
      builder.addDevice({
        region: 1,
        zone: 5,
        ip: '10.1.5.1',
        port: 6200,
        device: `sdx${d}`,
        weight: 100,
      });
    const before = assignments(builder);
    const result = builder.rebalance({ seed: 5, now: T0 + 2 * HOUR });
    builder.validate();
    const { partsWithMoves } = diff(before, assignments(builder));
    expect(Math.max(...partsWithMoves)).toBe(1);
    expect(result.dispersion).toBe(0);
    expect(result.balance).toBeLessThan(1);
  });

  it('changes the replica count', () => {
    const builder = balancedRing();
    builder.setReplicas(4);
    builder.rebalance({ seed: 2, now: T0 + 2 * HOUR });
    builder.validate();
    expect(
      assignments(builder).every(
        (devs) => new Set(devs.map((id) => builder.getDevice(id).zone)).size === 4,
      ),
    ).toBe(true);
    builder.setReplicas(2);
    builder.rebalance({ seed: 3, now: T0 + 4 * HOUR });
    builder.validate();
    expect(builder.table).toHaveLength(2);
  });
});

describe('RingBuilder input errors', () => {
  const device = { region: 1, zone: 1, ip: '10.0.0.1', port: 6200, device: 'sdb', weight: 100 };

  it('rejects a part power, replica count or min_part_hours out of range', () => {
    expect(() => new RingBuilder(0, 3, 1)).toThrow(RingBuilderError);
    expect(() => new RingBuilder(25, 3, 1)).toThrow(
      'part_power must be an integer from 1 to 24, got 25',
    );
    expect(() => new RingBuilder(10, 0.5, 1)).toThrow('replicas must be a number from 1');
    expect(() => new RingBuilder(10, 3, -1)).toThrow('min_part_hours');
  });

  it('rejects duplicate devices, unknown ids and bad weights', () => {
    const builder = new RingBuilder(8, 3, 1);
    builder.addDevice(device);
    expect(() => builder.addDevice({ ...device, weight: 5 })).toThrow(
      'Device 0 already uses 10.0.0.1:6200/sdb.',
    );
    expect(() => builder.addDevice({ ...device, device: 'sdc', id: 0 })).toThrow(
      'Duplicate device id: 0',
    );
    expect(() => builder.setWeight(7, 1)).toThrow('No device with id 7');
    expect(() => builder.setWeight(0, -1)).toThrow('Invalid weight -1');
    expect(() => builder.setWeight(0, Number.NaN)).toThrow('Invalid weight');
    expect(() => builder.addDevice({ ...device, device: 'a/b' })).toThrow('Invalid device name');
    expect(() => builder.addDevice({ ...device, device: 'sdd', port: 70000 })).toThrow(
      'Invalid port 70000',
    );
    builder.removeDevice(0);
    expect(() => builder.setWeight(0, 5)).toThrow('marked for removal');
  });

  it('refuses to rebalance with fewer devices than replicas', () => {
    const builder = new RingBuilder(8, 3, 1);
    builder.addDevice(device);
    builder.addDevice({ ...device, device: 'sdc' });
    expect(() => builder.rebalance({ now: T0 })).toThrow(
      'Replica count of 3 requires at least 3 devices with weight > 0; 2 found',
    );
  });
});
