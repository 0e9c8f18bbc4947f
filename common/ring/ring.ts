/**
 * The ring reader: maps an account, container or object to its partition, the partition to
 * its primary devices, and yields handoff devices in Swift's order when primaries fail.
 *
 * A loaded ring re-checks its file's mtime and size at most every `reloadTime` seconds and
 * reloads a changed file in place, so a pushed ring takes effect without a restart. A ring
 * file that fails to load keeps the previous ring serving and is retried on the next check.
 */
import { readFileSync, statSync } from 'node:fs';
import { partitionOf, plainHash64, type PathHasher } from '../hash.js';
import { deserializeRing, type RingData, type RingDevice } from './ring-data.js';

export interface PrimaryNode extends Readonly<RingDevice> {
  /** Which replica of the partition this device holds (0-based). */
  readonly index: number;
}

export interface HandoffNode extends RingDevice {
  /** Position in the handoff order (0-based). */
  handoffIndex: number;
}

export interface RingOptions {
  /** Seconds between checks of the ring file for changes; Swift's default is 15. */
  reloadTime?: number;
  /** Called when a changed ring file could not be loaded (the old ring keeps serving). */
  onReloadError?: (err: unknown) => void;
}

export interface TierCounts {
  regions: number;
  zones: number;
  ips: number;
  devices: number;
}

export class Ring {
  private data!: RingData;
  private counts!: TierCounts;
  /** Frozen primary-node objects per (index, device id), so lookups allocate only the array. */
  private nodeCache: Map<number, PrimaryNode>[] = [];
  private fileStamp = '';
  private nextCheck = 0;

  private constructor(
    private readonly hasher: PathHasher,
    private readonly path: string | undefined,
    private readonly options: RingOptions,
  ) {}

  /** Loads a ring file (`<name>.ring.gz`) and watches it for changes. */
  static load(path: string, hasher: PathHasher, options: RingOptions = {}): Ring {
    const ring = new Ring(hasher, path, options);
    ring.reloadFromFile();
    return ring;
  }

  /** A ring from data in memory (tests, tools); never reloads. */
  static fromData(data: RingData, hasher: PathHasher): Ring {
    const ring = new Ring(hasher, undefined, {});
    ring.setData(data);
    return ring;
  }

  get partPower(): number {
    this.checkReload();
    return 32 - this.data.partShift;
  }

  get partitionCount(): number {
    return 2 ** this.partPower;
  }

  get replicaCount(): number {
    this.checkReload();
    return this.data.replicaCount;
  }

  /** Devices in the ring (holes for removed ids are skipped). */
  get devices(): RingDevice[] {
    this.checkReload();
    return this.data.devices.filter((dev): dev is RingDevice => dev !== null);
  }

  get version(): number {
    this.checkReload();
    return this.data.version;
  }

  getPartition(account: string, container?: string, object?: string): number {
    return partitionOf(this.hasher.hashPath(account, container, object), this.partPower);
  }

  /** The partition and primary devices for a path. */
  getNodes(
    account: string,
    container?: string,
    object?: string,
  ): { partition: number; nodes: PrimaryNode[] } {
    const partition = this.getPartition(account, container, object);
    return { partition, nodes: this.getPartNodes(partition) };
  }

  /** The primaries of a partition, one per distinct device, tagged with their replica index. */
  getPartNodes(partition: number): PrimaryNode[] {
    this.checkReload();
    return primariesOf(this.data, partition, this.nodeCache);
  }

  /**
   * Handoff devices for a partition, in Swift's order (see `handoffNodes`). Deterministic,
   * and stable across most ring changes, so every proxy picks the same handoffs.
   */
  getMoreNodes(partition: number): Generator<HandoffNode> {
    this.checkReload();
    const start = partitionOf(plainHash64(String(partition)), this.partPower);
    return handoffNodes(this.data, this.counts, partition, start);
  }

  private setData(data: RingData): void {
    const inTable = new Set<number>();
    for (const row of data.replica2part2dev) for (const id of row) inTable.add(id);
    this.counts = countTiers([...inTable].map((id) => data.devices[id]!));
    this.nodeCache = data.replica2part2dev.map(() => new Map<number, PrimaryNode>());
    this.data = data;
  }

  private reloadFromFile(): void {
    const path = this.path!;
    const stat = statSync(path);
    const stamp = `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
    if (stamp !== this.fileStamp) {
      this.setData(deserializeRing(readFileSync(path), path));
      this.fileStamp = stamp;
    }
    this.nextCheck = Date.now() + (this.options.reloadTime ?? 15) * 1000;
  }

  private checkReload(): void {
    if (this.path === undefined || Date.now() < this.nextCheck) return;
    try {
      this.reloadFromFile();
    } catch (err) {
      this.nextCheck = Date.now() + (this.options.reloadTime ?? 15) * 1000;
      this.options.onReloadError?.(err);
    }
  }
}

const zoneKey = (dev: RingDevice): string => `${dev.region}/${dev.zone}`;
const ipKey = (dev: RingDevice): string => `${dev.region}/${dev.zone}/${dev.ip}`;

/** How many distinct regions, zones, hosts and devices hold partitions. */
export function countTiers(placed: readonly RingDevice[]): TierCounts {
  return {
    regions: new Set(placed.map((dev) => dev.region)).size,
    zones: new Set(placed.map(zoneKey)).size,
    ips: new Set(placed.map(ipKey)).size,
    devices: placed.length,
  };
}

function primariesOf(
  data: RingData,
  partition: number,
  cache?: Map<number, PrimaryNode>[],
): PrimaryNode[] {
  const nodes: PrimaryNode[] = [];
  const rows = data.replica2part2dev;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    if (partition >= row.length) continue;
    const id = row[partition]!;
    if (nodes.some((node) => node.id === id)) continue;
    const index = nodes.length;
    let node = cache?.[index]?.get(id);
    if (!node) {
      node = Object.freeze({ ...data.devices[id]!, index });
      cache?.[index]?.set(id, node);
    }
    nodes.push(node);
  }
  return nodes;
}

/**
 * Swift's handoff order (Ring.get_more_nodes): walk partitions from `start` in steps of
 * partitions/65536 (wrapping), looking at each one's replicas; the first pass takes devices
 * in regions no primary or earlier handoff uses, the second in unused zones, the third on
 * unused hosts, the last any unused device. Each pass ends once its tier is exhausted.
 */
export function* handoffNodes(
  data: RingData,
  counts: TierCounts,
  partition: number,
  start: number,
): Generator<HandoffNode> {
  const { devices, replica2part2dev } = data;
  const partCount = 2 ** (32 - data.partShift);
  const inc = Math.floor(partCount / 65536) || 1;
  const primaries = primariesOf(data, partition);
  const used = new Set(primaries.map((dev) => dev.id));
  const regions = new Set(primaries.map((dev) => dev.region));
  const zones = new Set(primaries.map(zoneKey));
  const ips = new Set(primaries.map(ipKey));
  let handoffIndex = 0;
  const passes: [(dev: RingDevice) => boolean, () => boolean][] = [
    [(dev) => !regions.has(dev.region), () => regions.size >= counts.regions],
    [(dev) => !zones.has(zoneKey(dev)), () => zones.size >= counts.zones],
    [(dev) => !ips.has(ipKey(dev)), () => ips.size >= counts.ips],
    [() => true, () => used.size >= counts.devices],
  ];
  for (const [isNew, exhausted] of passes) {
    if (exhausted()) continue;
    for (const part of walk(start, partCount, inc)) {
      for (const row of replica2part2dev) {
        if (part >= row.length) continue;
        const dev = devices[row[part]!]!;
        if (used.has(dev.id) || !isNew(dev)) continue;
        used.add(dev.id);
        regions.add(dev.region);
        zones.add(zoneKey(dev));
        ips.add(ipKey(dev));
        yield { ...dev, handoffIndex: handoffIndex++ };
        if (exhausted()) break;
      }
      if (exhausted()) break;
    }
  }
}

function* walk(start: number, partCount: number, inc: number): Generator<number> {
  for (let part = start; part < partCount; part += inc) yield part;
  for (let part = inc - ((partCount - start) % inc); part < start; part += inc) yield part;
}
