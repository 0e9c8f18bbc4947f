/**
 * Which storage nodes a request tries, in order: the partition's primaries, then handoffs in
 * the ring's order, skipping error-limited nodes (each skipped primary is replaced by one more
 * handoff, so the request still reaches as many nodes).
 */
import type { HandoffNode, PrimaryNode, Ring } from '../../common/ring/ring.js';
import type { ErrorLimiter } from './error-limiter.js';

export type StorageNode = PrimaryNode | HandoffNode;

export function isHandoff(node: StorageNode): node is HandoffNode {
  return 'handoffIndex' in node;
}

/** Up to `count` usable nodes for a partition (default: 2 × replicas, Swift's request_node_count). */
export function* nodesFor(
  ring: Ring,
  partition: number,
  limiter: ErrorLimiter,
  count?: number,
): Generator<StorageNode> {
  const wanted = count ?? 2 * Math.ceil(ring.replicaCount);
  let given = 0;
  for (const node of ring.getPartNodes(partition)) {
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
