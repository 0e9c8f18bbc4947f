/**
 * Dispersion: how many replicas sit in a tier that already holds as many replicas of their
 * partition as it may (see tiers.ts for the per-tier maximum). Computed as Swift does: per
 * partition, the replicas "at risk" are the largest excess found at any one tier level; the
 * ring's dispersion is 100 × replicas at risk / (partitions × replicas).
 */
import type { TierNode, TierTree } from './tiers.js';
import { ancestorAt } from './tiers.js';

/** Replicas of one partition beyond what their tiers may hold, at the worst tier level. */
export function partRisk(leaves: readonly TierNode[]): number {
  let worst = 0;
  for (let level = 1; level <= 4; level++) {
    const counts = new Map<TierNode, number>();
    for (const leaf of leaves) {
      const tier = ancestorAt(leaf, level);
      counts.set(tier, (counts.get(tier) ?? 0) + 1);
    }
    let excess = 0;
    for (const [tier, count] of counts) excess += Math.max(0, count - tier.max);
    worst = Math.max(worst, excess);
  }
  return worst;
}

export interface TierDispersion {
  name: string;
  max: number;
  /** Partitions with at least one replica in the tier. */
  parts: number;
  /** Replicas placed in the tier. */
  placed: number;
  /** % of the tier's replicas beyond its maximum. */
  dispersion: number;
  /** histogram[n] = partitions with n replicas in this tier. */
  histogram: number[];
}

export interface DispersionReport {
  tiers: TierDispersion[];
  worst: TierDispersion | undefined;
}

/**
 * Per-tier replica histograms, like `swift-ring-builder dispersion -v`. `partLeaves(p)` gives
 * the leaves of partition p's replicas; `filter` (a regex anchored at the start, as Swift's)
 * limits which tiers are reported.
 */
export function dispersionReport(
  tree: TierTree,
  partCount: number,
  maxReplicas: number,
  partLeaves: (part: number) => TierNode[],
  filter?: RegExp,
): DispersionReport {
  const histograms = new Map<TierNode, number[]>();
  for (let part = 0; part < partCount; part++) {
    const counts = new Map<TierNode, number>();
    for (const leaf of partLeaves(part)) {
      for (let tier: TierNode | undefined = leaf; tier && tier.level > 0; tier = tier.parent) {
        counts.set(tier, (counts.get(tier) ?? 0) + 1);
      }
    }
    for (const [tier, count] of counts) {
      let histogram = histograms.get(tier);
      if (!histogram) {
        histogram = new Array<number>(maxReplicas + 1).fill(0);
        histograms.set(tier, histogram);
      }
      histogram[count] = (histogram[count] ?? 0) + 1;
    }
  }
  const tiers: TierDispersion[] = [];
  for (const level of tree.byLevel.slice(1)) {
    for (const tier of level) {
      const histogram = histograms.get(tier) ?? new Array<number>(maxReplicas + 1).fill(0);
      const parts = histogram.reduce((sum, n, i) => (i > 0 ? sum + n : sum), 0);
      histogram[0] = partCount - parts;
      const placed = histogram.reduce((sum, n, i) => sum + n * i, 0);
      const atRisk = histogram.reduce(
        (sum, n, i) => (i > tier.max ? sum + n * (i - tier.max) : sum),
        0,
      );
      tiers.push({
        name: tier.name,
        max: tier.max,
        parts,
        placed,
        dispersion: placed > 0 ? (100 * atRisk) / placed : 0,
        histogram,
      });
    }
  }
  tiers.sort((a, b) => compareTierNames(a.name, b.name));
  const shown = filter ? tiers.filter((tier) => filter.exec(tier.name)?.index === 0) : tiers;
  let worst: TierDispersion | undefined;
  for (const tier of shown) if (tier.dispersion > (worst?.dispersion ?? 0)) worst = tier;
  return { tiers: shown, worst };
}

/** Orders r1 < r1z1 < r1z1-ip < r1z1-ip/d0 < r1z2 < r2, numbers compared as numbers. */
function compareTierNames(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
