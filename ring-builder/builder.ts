/**
 * The ring builder: the operator's model of a cluster (devices with regions, zones, hosts and
 * weights) and the partition → device table derived from it by `rebalance()`.
 *
 * Invariants kept here and checked by `validate()`:
 *   - each partition has `replicas` replicas (a fractional count gives the last replica row to
 *     only that fraction of partitions), each on a distinct device;
 *   - devices hold parts in proportion to their weight;
 *   - a partition's replicas are as far apart as the weights allow (regions, then zones, then
 *     hosts, then devices);
 *   - a partition moves at most one replica per `minPartHours`, unless a device was removed.
 */
import { randomUUID } from 'node:crypto';
import { NO_DEVICE, type RingData, type RingDevice } from '../common/ring/ring-data.js';
import { RingBuilderError } from './builder-error.js';
import { rebalanceTable, type RebalanceOptions, type RebalanceResult } from './rebalance.js';
import { partRisk } from './dispersion.js';
import { buildTierTree, type TierNode, type TierTree } from './tiers.js';

export const MIN_PART_POWER = 1;
export const MAX_PART_POWER = 24;
export const MAX_REPLICAS = 32;
export const MAX_BALANCE = 999.99;
const MAX_DEVICE_ID = NO_DEVICE - 1;

export interface BuilderDevice extends RingDevice {
  /** Replica slots assigned to this device in the current table. */
  parts: number;
}

export type NewDevice = Omit<RingDevice, 'id' | 'replicationIp' | 'replicationPort' | 'meta'> &
  Partial<Pick<RingDevice, 'id' | 'replicationIp' | 'replicationPort' | 'meta'>>;

export class RingBuilder {
  partPower: number;
  replicas: number;
  minPartHours: number;
  devs: (BuilderDevice | null)[] = [];
  /** Ids of devices marked for removal at the next rebalance. */
  pendingRemoval = new Set<number>();
  /** replica → partition → device id; empty until the first rebalance. */
  table: Uint16Array[] = [];
  /** Hours since each partition last moved (capped at 255). */
  lastPartMoves: Uint8Array;
  /** Seconds since the epoch when lastPartMoves was last brought up to date. */
  lastPartMovesEpoch = 0;
  /** Counts every change that needs a new ring; copied into rings written from this builder. */
  version = 0;
  id: string = randomUUID().replace(/-/g, '');
  /** True when devices changed since the last rebalance. */
  devsChanged = false;

  constructor(partPower: number, replicas: number, minPartHours: number) {
    checkPartPower(partPower);
    checkReplicas(replicas);
    checkMinPartHours(minPartHours);
    this.partPower = partPower;
    this.replicas = replicas;
    this.minPartHours = minPartHours;
    this.lastPartMoves = new Uint8Array(this.partCount).fill(0xff);
  }

  get partCount(): number {
    return 2 ** this.partPower;
  }

  /** Devices that exist (removed ids are holes), including those pending removal. */
  get devices(): BuilderDevice[] {
    return this.devs.filter((dev): dev is BuilderDevice => dev !== null);
  }

  get hasTable(): boolean {
    return this.table.length > 0;
  }

  /** Adds a device and returns its id; no partition moves until the next rebalance. */
  addDevice(spec: NewDevice): number {
    checkDeviceFields(spec);
    for (const dev of this.devices) {
      if (dev.ip === spec.ip && dev.port === spec.port && dev.device === spec.device) {
        throw new RingBuilderError(
          `Device ${dev.id} already uses ${dev.ip}:${dev.port}/${dev.device}.`,
        );
      }
    }
    let id = spec.id;
    if (id === undefined) {
      const hole = this.devs.indexOf(null);
      id = hole >= 0 ? hole : this.devs.length;
    } else if (this.devs[id]) {
      throw new RingBuilderError(`Duplicate device id: ${id}`);
    }
    if (!Number.isInteger(id) || id < 0 || id > MAX_DEVICE_ID) {
      throw new RingBuilderError(
        `Device id must be an integer from 0 to ${MAX_DEVICE_ID}, got ${id}`,
      );
    }
    while (this.devs.length <= id) this.devs.push(null);
    this.devs[id] = {
      id,
      region: spec.region,
      zone: spec.zone,
      ip: spec.ip,
      port: spec.port,
      replicationIp: spec.replicationIp ?? spec.ip,
      replicationPort: spec.replicationPort ?? spec.port,
      device: spec.device,
      weight: spec.weight,
      meta: spec.meta ?? '',
      parts: 0,
    };
    this.changed();
    return id;
  }

  getDevice(id: number): BuilderDevice {
    const dev = this.devs[id];
    if (!dev) throw new RingBuilderError(`No device with id ${id}`);
    return dev;
  }

  setWeight(id: number, weight: number): void {
    checkWeight(weight);
    const dev = this.getDevice(id);
    if (this.pendingRemoval.has(id)) {
      throw new RingBuilderError(
        `Can not set weight of dev_id ${id} because it is marked for removal`,
      );
    }
    dev.weight = weight;
    this.changed();
  }

  /** Moves a device to another region or zone; partitions follow at the next rebalance. */
  setFailureDomain(id: number, domain: { region?: number; zone?: number }): void {
    const dev = this.getDevice(id);
    const next = { ...dev, ...domain };
    checkDeviceFields(next);
    dev.region = next.region;
    dev.zone = next.zone;
    this.changed();
  }

  /** Marks a device for removal: its parts move at the next rebalance, ignoring min_part_hours. */
  removeDevice(id: number): void {
    const dev = this.getDevice(id);
    dev.weight = 0;
    this.pendingRemoval.add(id);
    this.changed();
  }

  /** Changes ip/port/device/meta in place: no partition moves, but rings must be rewritten. */
  setInfo(
    id: number,
    info: Partial<
      Pick<RingDevice, 'ip' | 'port' | 'replicationIp' | 'replicationPort' | 'device' | 'meta'>
    >,
  ): void {
    const dev = this.getDevice(id);
    const next = { ...dev, ...info };
    checkDeviceFields(next);
    for (const other of this.devices) {
      if (
        other.id !== id &&
        other.ip === next.ip &&
        other.port === next.port &&
        other.device === next.device
      ) {
        throw new RingBuilderError(
          `Device ${other.id} already uses ${other.ip}:${other.port}/${other.device}.`,
        );
      }
    }
    Object.assign(dev, info);
    this.version += 1;
  }

  setMinPartHours(hours: number): void {
    checkMinPartHours(hours);
    this.minPartHours = hours;
  }

  setReplicas(replicas: number): void {
    checkReplicas(replicas);
    if (replicas !== this.replicas) {
      this.replicas = replicas;
      this.changed();
    }
  }

  /** Lets every partition move at the next rebalance, as if min_part_hours had passed. */
  pretendMinPartHoursPassed(): void {
    this.lastPartMoves.fill(0xff);
  }

  /** Seconds until min_part_hours have passed since the last rebalance (Swift's definition). */
  minPartSecondsLeft(now = Date.now() / 1000): number {
    const elapsed = Math.floor(now - this.lastPartMovesEpoch);
    return Math.max(this.minPartHours * 3600 - elapsed, 0);
  }

  rebalance(options: RebalanceOptions = {}): RebalanceResult {
    const result = rebalanceTable(this, options);
    for (const id of this.pendingRemoval) this.devs[id] = null;
    this.pendingRemoval.clear();
    this.devsChanged = false;
    this.version += 1;
    return result;
  }

  /** Lengths of the replica rows for the current replica count. */
  replicaRowLengths(): number[] {
    const full = Math.floor(this.replicas);
    const lengths = new Array<number>(full).fill(this.partCount);
    const fraction = this.replicas - full;
    if (fraction > 1e-9) lengths.push(Math.round(this.partCount * fraction));
    return lengths;
  }

  /** The failure-domain tree of devices that may hold parts (all but those being removed). */
  tierTree(): TierTree {
    const devices = this.devices.filter((dev) => !this.pendingRemoval.has(dev.id));
    return buildTierTree(devices, this.replicas);
  }

  /** Parts one unit of weight should hold. */
  weightOfOnePart(): number {
    const totalWeight = this.devices.reduce((sum, dev) => sum + dev.weight, 0);
    const slots = this.replicaRowLengths().reduce((sum, n) => sum + n, 0);
    return totalWeight > 0 ? slots / totalWeight : 0;
  }

  /** Swift's per-device balance: how far (in %) a device is from the parts its weight wants. */
  deviceBalance(dev: BuilderDevice, weightOfOnePart = this.weightOfOnePart()): number {
    if (dev.weight === 0) return dev.parts > 0 ? MAX_BALANCE : 0;
    return (100 * dev.parts) / (dev.weight * weightOfOnePart) - 100;
  }

  /** The worst absolute device balance in %, as swift-ring-builder reports it. */
  getBalance(): number {
    const perPart = this.weightOfOnePart();
    let balance = 0;
    for (const dev of this.devices) {
      balance = Math.max(balance, Math.abs(this.deviceBalance(dev, perPart)));
      if (balance >= MAX_BALANCE) return MAX_BALANCE;
    }
    return balance;
  }

  /** Per-partition leaves of its replicas' devices, for dispersion checks. */
  partLeaves(tree: TierTree, part: number): TierNode[] {
    const leaves: TierNode[] = [];
    for (const row of this.table) {
      if (part >= row.length) continue;
      const leaf = tree.leaves.get(row[part]!);
      if (leaf) leaves.push(leaf);
    }
    return leaves;
  }

  /** % of replicas in a tier that already holds as many of their partition as it may (Swift's). */
  getDispersion(tree = this.tierTree()): number {
    if (!this.hasTable) return 0;
    let atRisk = 0;
    for (let part = 0; part < this.partCount; part++)
      atRisk += partRisk(this.partLeaves(tree, part));
    return (100 * atRisk) / (this.partCount * this.replicas);
  }

  /** Throws a RingBuilderError naming the first broken invariant of the table. */
  validate(): void {
    if (!this.hasTable) throw new RingBuilderError('The ring has not been rebalanced yet');
    const lengths = this.replicaRowLengths();
    if (
      this.table.length !== lengths.length ||
      this.table.some((row, r) => row.length !== lengths[r])
    ) {
      throw new RingBuilderError('Replica table shape does not match the replica count');
    }
    const counts = new Map<number, number>();
    for (let part = 0; part < this.partCount; part++) {
      const seen = new Set<number>();
      for (const row of this.table) {
        if (part >= row.length) continue;
        const id = row[part]!;
        const dev = this.devs[id];
        if (id === NO_DEVICE || !dev)
          throw new RingBuilderError(`Partition ${part} has a replica on no device`);
        if (this.pendingRemoval.has(id)) {
          throw new RingBuilderError(
            `Partition ${part} is on device ${id}, which is marked for removal`,
          );
        }
        if (seen.has(id))
          throw new RingBuilderError(`Partition ${part} has two replicas on device ${id}`);
        seen.add(id);
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
    }
    for (const dev of this.devices) {
      if ((counts.get(dev.id) ?? 0) !== dev.parts) {
        throw new RingBuilderError(
          `Device ${dev.id} claims ${dev.parts} parts but holds ${counts.get(dev.id) ?? 0}`,
        );
      }
    }
  }

  /** The ring readers load: devices and the table (requires a rebalanced builder). */
  toRingData(): RingData {
    if (!this.hasTable)
      throw new RingBuilderError('The ring has not been rebalanced yet: run rebalance first');
    return {
      devices: this.devs.map((dev) => (dev ? stripParts(dev) : null)),
      replica2part2dev: this.table.map((row) => row.slice()),
      partShift: 32 - this.partPower,
      replicaCount: this.replicas,
      version: this.version,
      builderId: this.id,
    };
  }

  /** Recounts each device's parts from the table. */
  recountParts(): void {
    for (const dev of this.devices) dev.parts = 0;
    for (const row of this.table) {
      for (const id of row) {
        const dev = this.devs[id];
        if (dev) dev.parts += 1;
      }
    }
  }

  private changed(): void {
    this.devsChanged = true;
    this.version += 1;
  }
}

function stripParts(dev: BuilderDevice): RingDevice {
  const { parts: _parts, ...ringDevice } = dev;
  return ringDevice;
}

function checkPartPower(partPower: number): void {
  if (!Number.isInteger(partPower) || partPower < MIN_PART_POWER || partPower > MAX_PART_POWER) {
    throw new RingBuilderError(
      `part_power must be an integer from ${MIN_PART_POWER} to ${MAX_PART_POWER}, got ${partPower}`,
    );
  }
}

function checkReplicas(replicas: number): void {
  if (!Number.isFinite(replicas) || replicas < 1 || replicas > MAX_REPLICAS) {
    throw new RingBuilderError(
      `replicas must be a number from 1 to ${MAX_REPLICAS}, got ${replicas}`,
    );
  }
}

function checkMinPartHours(hours: number): void {
  if (!Number.isInteger(hours) || hours < 0 || hours > 0xff) {
    throw new RingBuilderError(`min_part_hours must be an integer from 0 to 255, got ${hours}`);
  }
}

export function checkWeight(weight: number): void {
  if (!Number.isFinite(weight) || weight < 0) {
    throw new RingBuilderError(`Invalid weight ${weight}: a weight must be a number ≥ 0`);
  }
}

function checkDeviceFields(dev: NewDevice): void {
  const nonNegativeInt = (value: number, what: string): void => {
    if (!Number.isInteger(value) || value < 0) {
      throw new RingBuilderError(`Invalid ${what} ${value}: must be an integer ≥ 0`);
    }
  };
  nonNegativeInt(dev.region, 'region');
  nonNegativeInt(dev.zone, 'zone');
  checkWeight(dev.weight);
  for (const [port, what] of [
    [dev.port, 'port'],
    [dev.replicationPort ?? dev.port, 'replication port'],
  ] as const) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new RingBuilderError(`Invalid ${what} ${port}: must be from 1 to 65535`);
    }
  }
  if (!dev.ip) throw new RingBuilderError('A device needs an ip');
  if (!dev.device || dev.device.includes('/') || dev.device === '.' || dev.device === '..') {
    throw new RingBuilderError(`Invalid device name ${JSON.stringify(dev.device)}`);
  }
}
