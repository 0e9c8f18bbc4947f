import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { StratusError } from '../../../common/errors.js';
import { initHashing, PathHasher } from '../../../common/hash.js';
import { countTiers, handoffNodes, Ring } from '../../../common/ring/ring.js';
import {
  deserializeRing,
  serializeRing,
  type RingData,
  type RingDevice,
} from '../../../common/ring/ring-data.js';
import { layoutBuilder } from '../../helpers/clusters.js';

const hasher = () => new PathHasher({ prefix: '', suffix: 'ring-test' });

function device(id: number, region: number, zone: number, ip: string): RingDevice {
  return {
    id,
    region,
    zone,
    ip,
    port: 6200,
    replicationIp: ip,
    replicationPort: 6200,
    device: `sd${id}`,
    weight: 1,
    meta: '',
  };
}

/** Swift's own test vector (part power 2), checked against swift.common.ring.Ring. */
function swiftVector(lastRow: number[]): RingData {
  return {
    devices: [
      device(0, 1, 1, '10.0.0.1'),
      device(1, 1, 1, '10.0.0.1'),
      device(2, 1, 2, '10.0.0.2'),
      device(3, 1, 2, '10.0.0.3'),
      device(4, 2, 1, '10.0.1.1'),
      device(5, 2, 1, '10.0.1.1'),
    ],
    replica2part2dev: [
      Uint16Array.from([0, 2, 4, 1]),
      Uint16Array.from([2, 4, 1, 3]),
      Uint16Array.from(lastRow),
    ],
    partShift: 30,
    replicaCount: 3,
    version: 1,
    builderId: 'test',
  };
}

function inTable(data: RingData): RingDevice[] {
  const ids = new Set(data.replica2part2dev.flatMap((row) => [...row]));
  return [...ids].map((id) => data.devices[id]!);
}

describe('ring handoff order', () => {
  beforeAll(initHashing);

  it("matches Swift's get_more_nodes for the same walk start", () => {
    const data = swiftVector([4, 0, 0, 5]);
    const handoffs = (part: number) =>
      [...handoffNodes(data, countTiers(inTable(data)), part, 3)].map((d) => [
        d.id,
        d.handoffIndex,
      ]);
    expect(handoffs(0)).toEqual([
      [3, 0],
      [1, 1],
      [5, 2],
    ]);
    expect(handoffs(1)).toEqual([
      [3, 0],
      [1, 1],
      [5, 2],
    ]);
    expect(handoffs(2)).toEqual([
      [3, 0],
      [2, 1],
      [5, 2],
    ]);
    expect(handoffs(3)).toEqual([
      [2, 0],
      [4, 1],
      [0, 2],
    ]);
  });

  it('dedupes primaries and never offers a device that holds no partitions', () => {
    const data = swiftVector([4, 0, 0, 1]);
    const ring = Ring.fromData(data, hasher());
    expect(ring.getPartNodes(3).map((d) => [d.id, d.index])).toEqual([
      [1, 0],
      [3, 1],
    ]);
    const handoffs = [...handoffNodes(data, countTiers(inTable(data)), 3, 3)].map((d) => [
      d.id,
      d.handoffIndex,
    ]);
    expect(handoffs).toEqual([
      [4, 0],
      [2, 1],
      [0, 2],
    ]);
  });

  it('offers unused regions first, then zones, then hosts, then every other device once', () => {
    const builder = layoutBuilder(8, 3, 1, {
      regions: 4,
      zonesPerRegion: 2,
      hostsPerZone: 2,
      devicesPerHost: 2,
    });
    builder.rebalance({ seed: 1, now: 1e9 });
    const ring = Ring.fromData(builder.toRingData(), hasher());
    for (const part of [0, 17, 100, 255]) {
      const primaries = ring.getPartNodes(part);
      const handoffs = [...ring.getMoreNodes(part)];
      expect(handoffs).toHaveLength(32 - 3);
      expect(new Set([...primaries, ...handoffs].map((d) => d.id)).size).toBe(32);
      expect(handoffs.map((d) => d.handoffIndex)).toEqual(handoffs.map((_, i) => i));
      // The first handoff is in the one region no primary uses.
      const usedRegions = new Set(primaries.map((d) => d.region));
      expect(usedRegions.has(handoffs[0]!.region)).toBe(false);
      // The next ones add zones not yet used before repeating any.
      const zones = new Set([...primaries, handoffs[0]!].map((d) => `${d.region}/${d.zone}`));
      for (const dev of handoffs.slice(1, 8 - zones.size + 1)) {
        expect(zones.has(`${dev.region}/${dev.zone}`)).toBe(false);
        zones.add(`${dev.region}/${dev.zone}`);
      }
      // The same partition always gets the same handoffs.
      expect([...ring.getMoreNodes(part)].map((d) => d.id)).toEqual(handoffs.map((d) => d.id));
    }
  });
});

describe('ring reader', () => {
  beforeAll(initHashing);

  function builtRing(weightOfFirst = 100) {
    const builder = layoutBuilder(10, 3, 0, {
      regions: 1,
      zonesPerRegion: 4,
      hostsPerZone: 1,
      devicesPerHost: 1,
      weight: (_r, z) => (z === 1 ? weightOfFirst : 100),
    });
    builder.rebalance({ seed: 1, now: 1e9 });
    return builder.toRingData();
  }

  it('maps a path to its partition and distinct primaries', () => {
    const ring = Ring.fromData(builtRing(), hasher());
    const { partition, nodes } = ring.getNodes('AUTH_test', 'photos', 'cat.jpg');
    expect(partition).toBeGreaterThanOrEqual(0);
    expect(partition).toBeLessThan(1024);
    expect(nodes).toHaveLength(3);
    expect(new Set(nodes.map((n) => n.zone)).size).toBe(3);
    expect(nodes.map((n) => n.index)).toEqual([0, 1, 2]);
    expect(ring.getNodes('AUTH_test', 'photos', 'cat.jpg')).toEqual({ partition, nodes });
    expect(ring.partPower).toBe(10);
    expect(ring.replicaCount).toBe(3);
  });

  it('writes identical bytes for identical rings and reads back what it wrote', () => {
    const data = builtRing();
    const bytes = serializeRing(data);
    expect(serializeRing(data).equals(bytes)).toBe(true);
    const back = deserializeRing(bytes);
    expect(back.replica2part2dev).toEqual(data.replica2part2dev);
    expect(back.devices).toEqual(data.devices);
    expect(back.partShift).toBe(22);
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
  });

  it('refuses files that are not rings, with RING_INVALID', () => {
    const bad = (bytes: Buffer) => {
      try {
        deserializeRing(bytes, 'x.ring.gz');
      } catch (err) {
        return (err as StratusError).code;
      }
      return 'accepted';
    };
    expect(bad(Buffer.from('plain text'))).toBe('RING_INVALID');
    expect(bad(gzipSync(Buffer.from('NOPE0000000000')))).toBe('RING_INVALID');
    const good = serializeRing(builtRing());
    const raw = gunzipSync(good);
    expect(bad(gzipSync(raw.subarray(0, raw.length - 100)))).toBe('RING_INVALID');
  });

  it('reloads a changed ring file without a restart, and keeps serving through a bad one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stratus-ring-'));
    const path = join(dir, 'object.ring.gz');
    const first = builtRing(100);
    await writeFile(path, serializeRing(first));
    const errors: unknown[] = [];
    const ring = Ring.load(path, hasher(), {
      reloadTime: 0,
      onReloadError: (err) => errors.push(err),
    });
    expect(ring.version).toBe(first.version);
    const second = { ...builtRing(300), version: first.version + 7 };
    await writeFile(path, serializeRing(second));
    expect(ring.version).toBe(second.version);
    expect(ring.getPartNodes(5).map((d) => d.id)).toEqual(
      second.replica2part2dev.map((row) => row[5]),
    );
    await writeFile(path, 'garbage');
    expect(ring.version).toBe(second.version);
    expect(errors).toHaveLength(1);
    expect((errors[0] as StratusError).code).toBe('RING_INVALID');
    await writeFile(path, await readFile(path).then(() => serializeRing(first)));
    expect(ring.version).toBe(first.version);
  });

  it('does not re-read the file before reloadTime passes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stratus-ring-'));
    const path = join(dir, 'object.ring.gz');
    const first = builtRing();
    await writeFile(path, serializeRing(first));
    const ring = Ring.load(path, hasher(), { reloadTime: 3600 });
    await writeFile(path, serializeRing({ ...first, version: 99 }));
    expect(ring.version).toBe(first.version);
  });
});
