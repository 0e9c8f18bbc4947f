/**
 * Which storage nodes a request tries, in order: the partition's primaries, then handoffs in
 * the ring's order, skipping error-limited nodes (each skipped primary is replaced by one more
 * handoff, so the request still reaches as many nodes). Reads shuffle the primaries, as Swift's
 * default `sorting_method = shuffle` does, so every replica of a popular object shares its load.
 */
import type { HandoffNode, PrimaryNode, Ring } from '../../common/ring/ring.js';
import type { ErrorLimiter } from './error-limiter.js';

export type StorageNode = PrimaryNode | HandoffNode;

export function isHandoff(node: StorageNode): node is HandoffNode {
  return 'handoffIndex' in node;
}

/**
 * Up to `count` usable nodes for a partition (default: 2 × replicas, Swift's request_node_count),
 * the primaries in random order with `shuffle`.
 */
export function* nodesFor(
  ring: Ring,
  partition: number,
  limiter: ErrorLimiter,
  options: { count?: number; shuffle?: boolean } = {},
): Generator<StorageNode> {
  const wanted = options.count ?? 2 * Math.ceil(ring.replicaCount);
  const primaries = ring.getPartNodes(partition);
  let given = 0;
  for (const node of options.shuffle ? shuffled(primaries) : primaries) {
    if (given >= wanted) return;
    if (limiter.isLimited(node)) continue;
    given++;
    yield node;
  }
  for (const node of ring.getMoreNodes(partition)) {
    if (given >= wanted) return;
    if (limiter.isLimited(node)) continue;
    given++;
    yield node;
  }
}

/** A copy of `items` in random order (Fisher–Yates). */
function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
