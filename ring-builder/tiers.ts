/**
 * The failure-domain tree the rebalancer places replicas in: region → zone → host (ip) →
 * device. Each node knows
 *   - `max`: how many replicas of one partition it may hold. A tier with a share s of the
 *     total weight should hold s × replicas of every partition on average, so a partition
 *     may have at most ceil(s × replicas) there ("as unique as possible" while following
 *     weights); a device never holds two replicas of a partition, and no tier may want more
 *     than its children can hold.
 *   - `deficit`: the sum over its devices of (target parts − assigned parts), kept current as
 *     the rebalancer assigns, so the walk can head for the tier that wants parts most.
 */
import type { Random } from './random.js';

export const TIER_LEVELS = ['region', 'zone', 'host', 'device'] as const;
export type TierLevel = (typeof TIER_LEVELS)[number];

export interface TierDevice {
  id: number;
  region: number;
  zone: number;
  ip: string;
  device: string;
  weight: number;
}

export interface TierNode {
  /** 0 = root, 1 = region, 2 = zone, 3 = host, 4 = device. */
  level: number;
  /** Tier name as Swift prints it: `r1`, `r1z2`, `r1z2-10.0.0.1`, `r1z2-10.0.0.1/sdb1`. */
  name: string;
  weight: number;
  max: number;
  /** Replica slots this tier should hold: its weight share, capped by what it can hold. */
  wanted: number;
  /** Replicas of every partition this tier must hold to get what it wants: floor(wanted/parts). */
  min: number;
  deficit: number;
  children: TierNode[];
  parent: TierNode | undefined;
  /** Set on device (leaf) nodes only. */
  deviceId?: number;
}

export interface TierTree {
  root: TierNode;
  /** Leaf node per device id (devices with weight 0 included: they may still hold parts). */
  leaves: Map<number, TierNode>;
  /** Every node below the root, by level (1..4). */
  byLevel: TierNode[][];
}

const EPSILON = 1e-9;

export function buildTierTree(devices: readonly TierDevice[], replicas: number): TierTree {
  const root = newNode(0, '', undefined);
  const leaves = new Map<number, TierNode>();
  const byLevel: TierNode[][] = [[root], [], [], [], []];
  const index = new Map<string, TierNode>();
  const child = (parent: TierNode, key: string, name: string): TierNode => {
    let node = index.get(key);
    if (!node) {
      node = newNode(parent.level + 1, name, parent);
      parent.children.push(node);
      byLevel[node.level]!.push(node);
      index.set(key, node);
    }
    return node;
  };
  for (const dev of devices) {
    const region = child(root, `r${dev.region}`, `r${dev.region}`);
    const zoneName = `r${dev.region}z${dev.zone}`;
    const zone = child(region, zoneName, zoneName);
    const host = child(zone, `${zoneName}-${dev.ip}`, `${zoneName}-${dev.ip}`);
    const leaf = child(host, `d${dev.id}`, `${zoneName}-${dev.ip}/${dev.device}`);
    leaf.deviceId = dev.id;
    leaves.set(dev.id, leaf);
    for (let node: TierNode | undefined = leaf; node; node = node.parent) node.weight += dev.weight;
  }
  assignMax(root, root.weight, replicas);
  return { root, leaves, byLevel };
}

function newNode(level: number, name: string, parent: TierNode | undefined): TierNode {
  return { level, name, weight: 0, max: 0, wanted: 0, min: 0, deficit: 0, children: [], parent };
}

/** Bottom-up capacity, top-down share: max = min(ceil(share × replicas), Σ children's max). */
function assignMax(node: TierNode, totalWeight: number, replicas: number): number {
  if (node.level === 4) {
    node.max = node.weight > 0 ? 1 : 0;
    return node.max;
  }
  const capacity = node.children.reduce((sum, c) => sum + assignMax(c, totalWeight, replicas), 0);
  const byWeight =
    totalWeight > 0 ? Math.ceil((node.weight / totalWeight) * replicas - EPSILON) : 0;
  node.max =
    node.level === 0
      ? Math.min(Math.ceil(replicas - EPSILON), capacity)
      : Math.min(byWeight, capacity);
  return node.max;
}

/**
 * Shares `slots` replica slots out down the tree in proportion to weight, except that no tier
 * is given more than it can hold (its max per partition × partitions); what a full tier
 * cannot take goes to its siblings, again by weight. Sets `wanted` on every node.
 */
export function assignWanted(tree: TierTree, slots: number, partCount: number): void {
  distribute(tree.root, slots, partCount);
}

function distribute(node: TierNode, amount: number, partCount: number): void {
  node.wanted = amount;
  node.min = Math.min(node.max, Math.floor(amount / partCount + EPSILON));
  const given = new Map<TierNode, number>();
  let active = node.children.filter((child) => child.max > 0 && child.weight > 0);
  let remaining = amount;
  while (active.length > 0 && remaining > EPSILON) {
    const weight = active.reduce((sum, child) => sum + child.weight, 0);
    const full = active.filter(
      (child) =>
        (remaining * child.weight) / weight >= child.max * partCount - (given.get(child) ?? 0),
    );
    if (full.length === 0) {
      for (const child of active)
        given.set(child, (given.get(child) ?? 0) + (remaining * child.weight) / weight);
      break;
    }
    for (const child of full) {
      const room = child.max * partCount - (given.get(child) ?? 0);
      given.set(child, (given.get(child) ?? 0) + room);
      remaining -= room;
    }
    active = active.filter((child) => !full.includes(child));
  }
  for (const child of node.children) distribute(child, given.get(child) ?? 0, partCount);
}

/** The ancestor of `leaf` at `level` (the leaf itself at level 4). */
export function ancestorAt(leaf: TierNode, level: number): TierNode {
  let node = leaf;
  while (node.level > level) node = node.parent!;
  return node;
}

/** Adds `delta` to the deficit of a leaf and all its ancestors. */
export function addDeficit(leaf: TierNode, delta: number): void {
  for (let node: TierNode | undefined = leaf; node; node = node.parent) node.deficit += delta;
}

/**
 * Picks the device for one more replica of a partition whose other replicas sit on
 * `taken` leaves, walking from the root down. Among children that may take another replica
 * of this partition, first those still below their per-partition minimum (a tier that wants
 * two replicas of every partition must get them), then the one missing the largest share of
 * what it wants (deficit ÷ wanted), so shortfalls fill evenly and, when weights cannot all be
 * honoured, the excess lands in proportion to what each tier wants. Ties are broken at
 * random. Returns undefined only when no device may take it.
 */
export function chooseLeaf(
  tree: TierTree,
  taken: readonly TierNode[],
  random: Random,
): TierNode | undefined {
  let node = tree.root;
  while (node.level < 4) {
    let best: TierNode | undefined;
    let bestUrgent = false;
    let bestWant = -Infinity;
    let ties = 0;
    for (const candidate of node.children) {
      if (candidate.max === 0) continue;
      let used = 0;
      for (const leaf of taken) if (ancestorAt(leaf, candidate.level) === candidate) used++;
      if (used >= candidate.max) continue;
      const urgent = used < candidate.min;
      const want = candidate.deficit / Math.max(candidate.wanted, EPSILON);
      if (urgent !== bestUrgent ? urgent : want > bestWant) {
        best = candidate;
        bestUrgent = urgent;
        bestWant = want;
        ties = 1;
      } else if (urgent === bestUrgent && want === bestWant) {
        ties++;
        if (random() * ties < 1) best = candidate;
      }
    }
    if (!best) return undefined;
    node = best;
  }
  return node;
}

/** The first tier (from regions down) where a partition's replicas exceed what it may hold. */
export function overfullTier(leaves: readonly TierNode[]): TierNode | undefined {
  for (let level = 1; level <= 4; level++) {
    for (let i = 0; i < leaves.length; i++) {
      const tier = ancestorAt(leaves[i]!, level);
      let count = 0;
      for (const leaf of leaves) if (ancestorAt(leaf, level) === tier) count++;
      if (count > tier.max) return tier;
    }
  }
  return undefined;
}
