/**
 * Rebalance: move as few replicas as needed so devices hold parts in proportion to their
 * weight and each partition's replicas are as spread out as the weights allow.
 *
 * 1. Gather replicas that must move:
 *    a. slots with no device (a new ring, more replicas, or a device being removed);
 *    b. one replica of each partition that has too many replicas in some tier (dispersion).
 * 2. Place each gathered replica by walking the tier tree towards the most wanting device
 *    that may hold another replica of that partition (tiers.ts).
 * 3. Balance: from each device holding more than its target, move random replicas straight
 *    to a device that wants parts, skipping any replica whose partition could only go to
 *    devices that are full already, so nothing moves without need. A few passes, since each
 *    move changes which devices want parts.
 * Only (1a) ignores min_part_hours; everything else moves only partitions that have not moved
 * within min_part_hours, and at most one replica of a partition per rebalance.
 *
 * Targets are whole numbers: floor(weight share × slots), with the remainder handed to the
 * devices that already hold the most, so a balanced ring is left alone.
 */
import { randomInt } from 'node:crypto';
import { NO_DEVICE } from '../common/ring/ring-data.js';
import { RingBuilderError } from './builder-error.js';
import type { RingBuilder } from './builder.js';
import { seededRandom, shuffle, type Random } from './random.js';
import {
  addDeficit,
  ancestorAt,
  assignWanted,
  chooseLeaf,
  overfullTier,
  type TierTree,
} from './tiers.js';

export interface RebalanceOptions {
  /** Makes the result reproducible: same builder + same seed → same table. */
  seed?: number;
  /** Current time in seconds (for min_part_hours); defaults to the clock. */
  now?: number;
  /** Called as replicas are placed, for long rebalances. */
  onProgress?: (placed: number, total: number) => void;
}

export interface RebalanceResult {
  /** Partitions with at least one replica on a different device than before. */
  changedParts: number;
  /** Replica slots whose device changed (new slots count too). */
  movedReplicas: number;
  balance: number;
  dispersion: number;
}

const BALANCE_PASSES = 3;
const PROGRESS_EVERY = 65_536;

export function rebalanceTable(builder: RingBuilder, options: RebalanceOptions): RebalanceResult {
  const random = seededRandom(options.seed ?? randomInt(2 ** 31));
  const now = options.now ?? Date.now() / 1000;
  const eligible = builder.devices.filter(
    (dev) => dev.weight > 0 && !builder.pendingRemoval.has(dev.id),
  );
  const needed = Math.ceil(builder.replicas - 1e-9);
  if (eligible.length < needed) {
    throw new RingBuilderError(
      `Replica count of ${builder.replicas} requires at least ${needed} devices with weight > 0; ` +
        `${eligible.length} found. Add devices or lower the replica count.`,
    );
  }
  updateLastPartMoves(builder, now);
  const before = builder.table.map((row) => row.slice());
  const state = new RebalanceState(builder, random);
  state.gatherUnassigned();
  state.gatherForDispersion();
  state.place(options.onProgress);
  for (let pass = 0; pass < BALANCE_PASSES; pass++) {
    if (state.moveForBalance() === 0) break;
  }
  state.markMoved();
  const { changedParts, movedReplicas } = compareTables(before, builder.table, builder.partCount);
  return {
    changedParts,
    movedReplicas,
    balance: builder.getBalance(),
    dispersion: builder.getDispersion(state.tree),
  };
}

/** Ages every partition's move clock by the whole hours passed since the last update. */
function updateLastPartMoves(builder: RingBuilder, now: number): void {
  if (!builder.hasTable) {
    builder.lastPartMovesEpoch = Math.floor(now);
    return;
  }
  const elapsedHours = Math.floor((now - builder.lastPartMovesEpoch) / 3600);
  if (elapsedHours <= 0) return;
  const moves = builder.lastPartMoves;
  for (let part = 0; part < moves.length; part++)
    moves[part] = Math.min(0xff, moves[part]! + elapsedHours);
  builder.lastPartMovesEpoch = Math.floor(now);
}

class RebalanceState {
  readonly tree: TierTree;
  /** Slots (replica × partCount + part) waiting for a device. */
  gathered: number[] = [];
  private readonly moved: Uint8Array;
  private readonly targets: Map<number, number>;
  private readonly partCount: number;
  private readonly partMask: number;
  private readonly movesOnce: boolean;

  constructor(
    private readonly builder: RingBuilder,
    private readonly random: Random,
  ) {
    this.partCount = builder.partCount;
    this.partMask = this.partCount - 1;
    this.moved = new Uint8Array(this.partCount);
    this.movesOnce = builder.minPartHours > 0;
    reshapeTable(builder);
    this.unassignRemovedDevices();
    builder.recountParts();
    this.tree = builder.tierTree();
    this.targets = integerTargets(builder, this.tree, random);
    for (const [id, leaf] of this.tree.leaves) {
      addDeficit(leaf, (this.targets.get(id) ?? 0) - builder.getDevice(id).parts);
    }
  }

  gatherUnassigned(): void {
    this.builder.table.forEach((row, replica) => {
      for (let part = 0; part < row.length; part++) {
        if (row[part] === NO_DEVICE) this.gathered.push(replica * this.partCount + part);
      }
    });
  }

  gatherForDispersion(): void {
    const { builder, tree } = this;
    for (let part = 0; part < this.partCount; part++) {
      if (!this.canMove(part)) continue;
      const leaves = builder.partLeaves(tree, part);
      const tier = overfullTier(leaves);
      if (!tier) continue;
      // Move the replica, inside the overfull tier, on the device furthest over its target.
      let worstReplica = -1;
      let worstExcess = -Infinity;
      builder.table.forEach((row, replica) => {
        if (part >= row.length || row[part] === NO_DEVICE) return;
        const leaf = tree.leaves.get(row[part]!)!;
        if (ancestorAt(leaf, tier.level) !== tier) return;
        const excess = -leaf.deficit;
        if (excess > worstExcess) {
          worstExcess = excess;
          worstReplica = replica;
        }
      });
      this.unassign(worstReplica, part);
    }
  }

  /** Moves replicas from devices over their target to devices under it; returns how many. */
  moveForBalance(): number {
    const { builder, tree } = this;
    const over = new Map<number, number[]>();
    for (const [id, leaf] of tree.leaves) if (leaf.deficit < 0) over.set(id, []);
    if (over.size === 0) return 0;
    builder.table.forEach((row, replica) => {
      for (let part = 0; part < row.length; part++)
        over.get(row[part]!)?.push(replica * this.partCount + part);
    });
    let moves = 0;
    for (const [id, slots] of over) {
      const source = tree.leaves.get(id)!;
      shuffle(slots, this.random);
      for (let i = 0; i < slots.length && source.deficit < 0; i++) {
        const slot = slots[i]!;
        const part = slot & this.partMask;
        if (!this.canMove(part)) continue;
        const replica = Math.floor(slot / this.partCount);
        const others = builder.partLeaves(tree, part).filter((leaf) => leaf !== source);
        const target = chooseLeaf(tree, others, this.random);
        if (!target || target === source || target.deficit <= 0) continue;
        builder.table[replica]![part] = target.deviceId!;
        builder.getDevice(id).parts -= 1;
        builder.getDevice(target.deviceId!).parts += 1;
        addDeficit(source, 1);
        addDeficit(target, -1);
        this.moved[part] = 1;
        moves++;
      }
    }
    return moves;
  }

  /** Places every gathered replica on the most wanting device that may hold it. */
  place(onProgress: RebalanceOptions['onProgress']): void {
    const { builder, tree } = this;
    const total = this.gathered.length;
    this.gathered.sort((a, b) => (a & this.partMask) - (b & this.partMask) || a - b);
    this.gathered.forEach((slot, done) => {
      const part = slot & this.partMask;
      const replica = Math.floor(slot / this.partCount);
      const leaf = chooseLeaf(tree, builder.partLeaves(tree, part), this.random);
      if (!leaf)
        throw new RingBuilderError(`No device can hold replica ${replica} of partition ${part}`);
      builder.table[replica]![part] = leaf.deviceId!;
      builder.getDevice(leaf.deviceId!).parts += 1;
      addDeficit(leaf, -1);
      this.moved[part] = 1;
      if (onProgress && (done + 1) % PROGRESS_EVERY === 0) onProgress(done + 1, total);
    });
    onProgress?.(total, total);
    this.gathered = [];
  }

  /** Starts the min_part_hours clock of every partition that moved. */
  markMoved(): void {
    for (let part = 0; part < this.partCount; part++) {
      if (this.moved[part]) this.builder.lastPartMoves[part] = 0;
    }
  }

  private canMove(part: number): boolean {
    if (!this.movesOnce) return true;
    return this.moved[part] === 0 && this.builder.lastPartMoves[part]! >= this.builder.minPartHours;
  }

  private unassign(replica: number, part: number): void {
    const row = this.builder.table[replica]!;
    const id = row[part]!;
    row[part] = NO_DEVICE;
    this.builder.getDevice(id).parts -= 1;
    addDeficit(this.tree.leaves.get(id)!, 1);
    this.moved[part] = 1;
    this.gathered.push(replica * this.partCount + part);
  }

  private unassignRemovedDevices(): void {
    const { builder } = this;
    for (const row of builder.table) {
      for (let part = 0; part < row.length; part++) {
        const id = row[part]!;
        if (id !== NO_DEVICE && (builder.pendingRemoval.has(id) || !builder.devs[id])) {
          row[part] = NO_DEVICE;
          this.moved[part] = 1;
        }
      }
    }
  }
}

/** Resizes the table to the replica count: new slots are empty, dropped ones are gone. */
function reshapeTable(builder: RingBuilder): void {
  builder.table = builder.replicaRowLengths().map((length, replica) => {
    const old = builder.table[replica];
    if (old && old.length === length) return old;
    const row = new Uint16Array(length).fill(NO_DEVICE);
    if (old) row.set(old.subarray(0, Math.min(length, old.length)));
    return row;
  });
}

/**
 * Whole-number part targets per device id, summing to the number of replica slots: each
 * device's wanted share (tiers.ts assignWanted) rounded down, the remainder going to the
 * devices that already hold the most relative to it, so a balanced ring is left alone.
 */
function integerTargets(builder: RingBuilder, tree: TierTree, random: Random): Map<number, number> {
  const slots = builder.replicaRowLengths().reduce((sum, n) => sum + n, 0);
  assignWanted(tree, slots, builder.partCount);
  const targets = new Map<number, number>();
  let assigned = 0;
  const order: { id: number; key: number; tie: number }[] = [];
  for (const [id, leaf] of tree.leaves) {
    const target = Math.min(Math.floor(leaf.wanted + 1e-9), builder.partCount);
    targets.set(id, target);
    assigned += target;
    if (leaf.max > 0)
      order.push({ id, key: builder.getDevice(id).parts - leaf.wanted, tie: random() });
  }
  order.sort((a, b) => b.key - a.key || a.tie - b.tie);
  for (let i = 0; assigned < slots && i < order.length; i++) {
    const { id } = order[i]!;
    if (targets.get(id)! < builder.partCount) {
      targets.set(id, targets.get(id)! + 1);
      assigned++;
    }
  }
  return targets;
}

function compareTables(
  before: Uint16Array[],
  after: Uint16Array[],
  partCount: number,
): { changedParts: number; movedReplicas: number } {
  let changedParts = 0;
  let movedReplicas = 0;
  const rows = Math.max(before.length, after.length);
  for (let part = 0; part < partCount; part++) {
    let changed = false;
    for (let replica = 0; replica < rows; replica++) {
      const old = before[replica]?.[part];
      const now = after[replica]?.[part];
      if (old !== now) {
        changed = true;
        if (now !== undefined) movedReplicas++;
      }
    }
    if (changed) changedParts++;
  }
  return { changedParts, movedReplicas };
}
