/**
 * After a container PUT or DELETE the container server tells the account servers named by
 * the proxy (X-Account-Host/-Device/-Partition) about the container's timestamps and counts,
 * waiting at most account_update_timeout, so an account listing read right after shows the
 * change. Servers that did not take it get an async pending for the updater.
 */
import type { Timestamp } from '../../common/timestamp.js';
import { writeAsyncPending } from '../async-pending.js';
import type { NodeContext } from '../context.js';
import type { BackendRequest } from '../http/types.js';
import { sendUpdates, updateTargets } from '../updates.js';
import type { ContainerBroker, ContainerInfo } from './broker.js';

export type AccountTargets = ReturnType<typeof updateTargets>;

/** The account servers to tell, read before anything changes (400 when the headers disagree). */
export function accountTargets(req: BackendRequest): AccountTargets {
  return updateTargets(
    req.header('x-account-host'),
    req.header('x-account-device'),
    req.header('x-account-partition'),
  );
}

export function accountUpdateHeaders(
  info: ContainerInfo,
  req: BackendRequest,
): Record<string, string> {
  const headers: Record<string, string> = {
    'X-Put-Timestamp': info.putTimestamp.internal,
    'X-Delete-Timestamp': info.deleteTimestamp.internal,
    'X-Object-Count': String(info.objectCount),
    'X-Bytes-Used': String(info.bytesUsed),
    'X-Trans-Id': req.txId,
  };
  if ((req.header('x-account-override-deleted') ?? '').toLowerCase() === 'yes')
    headers['X-Account-Override-Deleted'] = 'yes';
  return headers;
}

export async function updateAccounts(
  ctx: NodeContext,
  req: BackendRequest,
  targets: AccountTargets,
  broker: ContainerBroker,
  devicePath: string,
  hash: string,
  timestamp: Timestamp,
): Promise<void> {
  if (!targets) return;
  const info = broker.info()!;
  const { account, container } = req.path;
  const update = {
    method: 'PUT' as const,
    partition: targets.partition,
    account,
    container: container!,
    headers: accountUpdateHeaders(info, req),
  };
  const failed = await sendUpdates(
    ctx.http,
    targets.targets,
    update,
    ctx.config.container.accountUpdateTimeout,
  );
  if (failed.length === 0) {
    broker.markReported(info);
    return;
  }
  req.log.warn(
    { failed: failed.map((t) => `${t.host}/${t.device}`) },
    'account update failed; saved as async pending',
  );
  try {
    await writeAsyncPending(devicePath, hash, timestamp.internal, {
      target: 'account',
      ...update,
      nodes: failed,
    });
  } catch (err) {
    // The change itself is committed; the database still says it was never reported, so a
    // later pass can send it. Failing the request now would only make the proxy retry it.
    req.log.error({ err }, 'could not write the async pending for an account update');
  }
}
