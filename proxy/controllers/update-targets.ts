/**
 * Which listing replicas each data replica updates (Swift's X-Container-Host / X-Account-Host
 * headers): replica i tells listing replica i mod L, and when there are more listing replicas
 * than data replicas the extra ones are shared out, so every listing replica hears of every
 * change from at least one data replica.
 */
export interface UpdateNode {
  host: string;
  device: string;
}

export function updateHeaders(
  kind: 'Container' | 'Account',
  partition: number,
  listingNodes: readonly UpdateNode[],
  replica: number,
  replicas: number,
): Record<string, string> {
  const mine = listingNodes.filter(
    (_, i) => i % Math.max(1, replicas) === replica % Math.max(1, replicas),
  );
  const assigned =
    mine.length > 0
      ? mine
      : listingNodes.length > 0
        ? [listingNodes[replica % listingNodes.length]!]
        : [];
  if (assigned.length === 0) return {};
  return {
    [`X-${kind}-Host`]: assigned.map((n) => n.host).join(','),
    [`X-${kind}-Device`]: assigned.map((n) => n.device).join(','),
    [`X-${kind}-Partition`]: String(partition),
  };
}
