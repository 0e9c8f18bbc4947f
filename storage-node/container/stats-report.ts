/**
 * Object counts reach the account soon after they change. Swift leaves this to the container
 * updater (every 300 s), so `swift stat` lags behind uploads; here the container server also
 * reports a container's counts to its account servers (found in the account ring) shortly
 * after its object rows change, one report per burst of changes. A report that does not reach
 * every account replica leaves the database's "reported" columns behind, for the container
 * updater to send again.
 */
import { hostPort } from '../../common/backend-url.js';
import type { NodeContext } from '../context.js';
import { sendUpdates } from '../updates.js';
import type { ContainerBroker } from './broker.js';

const REPORT_DELAY_MS = 200;

export class AccountStatsReporter {
  private readonly scheduled = new Set<string>();

  constructor(private readonly ctx: NodeContext) {}

  /** Reports the container's counts after a short delay, once for all changes made meanwhile. */
  schedule(broker: ContainerBroker, account: string, container: string): void {
    const key = broker.path;
    if (this.scheduled.has(key)) return;
    this.scheduled.add(key);
    setTimeout(() => {
      this.scheduled.delete(key);
      this.report(broker, account, container).catch((err: unknown) =>
        this.ctx.logger.warn({ err, account, container }, 'account stats report failed'),
      );
    }, REPORT_DELAY_MS).unref();
  }

  private async report(broker: ContainerBroker, account: string, container: string): Promise<void> {
    const info = broker.info();
    if (!info) return;
    const { reported } = info;
    if (
      reported.objectCount === info.objectCount &&
      reported.bytesUsed === info.bytesUsed &&
      reported.putTimestamp === info.putTimestamp.internal &&
      reported.deleteTimestamp === info.deleteTimestamp.internal
    ) {
      return;
    }
    const { partition, nodes } = this.ctx.rings.account.getNodes(account);
    const failed = await sendUpdates(
      this.ctx.http,
      nodes.map((node) => ({ host: hostPort(node.ip, node.port), device: node.device })),
      {
        method: 'PUT',
        partition,
        account,
        container,
        headers: {
          'X-Put-Timestamp': info.putTimestamp.internal,
          'X-Delete-Timestamp': info.deleteTimestamp.internal,
          'X-Object-Count': String(info.objectCount),
          'X-Bytes-Used': String(info.bytesUsed),
        },
      },
      this.ctx.config.container.accountUpdateTimeout,
    );
    if (failed.length === 0) broker.markReported(info);
  }
}
