/**
 * Quorum arithmetic as Swift's proxy does it (swift/common/utils quorum_size, proxy
 * controllers have_quorum / best_response): small pure functions, tested exhaustively.
 */

/** Successes needed out of `replicas` writes: a majority, (n + 1) // 2 as Swift computes it. */
export function quorumSize(replicas: number): number {
  return Math.floor((replicas + 1) / 2);
}

/** The status class: 1 for 1xx, 2 for 2xx, … */
export function statusClass(status: number): number {
  return Math.floor(status / 100);
}

/** True when at least `quorum` of the statuses share the class of `status`. */
export function hasQuorumOf(statuses: readonly number[], cls: number, replicas: number): boolean {
  return statuses.filter((s) => statusClass(s) === cls).length >= quorumSize(replicas);
}

/**
 * The response status for a set of backend statuses from `replicas` nodes: the first class
 * (2xx, then 3xx, then 4xx) with a quorum wins, answered with the highest status of that class,
 * as Swift's best_response; no quorum → 503.
 */
export function bestStatus(statuses: readonly number[], replicas: number): number {
  for (const cls of [2, 3, 4]) {
    const inClass = statuses.filter((s) => statusClass(s) === cls);
    if (inClass.length >= quorumSize(replicas)) return Math.max(...inClass);
  }
  return 503;
}
