/**
 * Error limiting (Swift's error_suppression_limit / _interval): a node that failed more than
 * `limit` times within `interval` seconds, or answered 507, is skipped for `interval`
 * seconds, so requests stop waiting on it and go to handoffs instead.
 */
export interface NodeKey {
  ip: string;
  port: number;
  device: string;
}

interface NodeErrors {
  count: number;
  lastError: number;
  limitedUntil: number;
}

export class ErrorLimiter {
  private readonly nodes = new Map<string, NodeErrors>();

  constructor(
    private readonly limit = 10,
    private readonly intervalSeconds = 60,
    private readonly now: () => number = Date.now,
  ) {}

  isLimited(node: NodeKey): boolean {
    const entry = this.nodes.get(key(node));
    return entry !== undefined && entry.limitedUntil > this.now();
  }

  /** Records a failure (connection error, timeout, 5xx). */
  recordError(node: NodeKey): void {
    const now = this.now();
    const entry = this.entry(node);
    if (now - entry.lastError > this.intervalSeconds * 1000) entry.count = 0;
    entry.count += 1;
    entry.lastError = now;
    if (entry.count > this.limit) entry.limitedUntil = now + this.intervalSeconds * 1000;
  }

  /** Limits a node at once (it said 507: its device is gone or full). */
  limitNow(node: NodeKey): void {
    const entry = this.entry(node);
    entry.limitedUntil = this.now() + this.intervalSeconds * 1000;
  }

  /** Nodes currently skipped, for logs and metrics. */
  limitedNodes(): string[] {
    const now = this.now();
    return [...this.nodes].filter(([, e]) => e.limitedUntil > now).map(([k]) => k);
  }

  private entry(node: NodeKey): NodeErrors {
    let entry = this.nodes.get(key(node));
    if (!entry) this.nodes.set(key(node), (entry = { count: 0, lastError: 0, limitedUntil: 0 }));
    return entry;
  }
}

function key(node: NodeKey): string {
  return `${node.ip}:${node.port}/${node.device}`;
}
