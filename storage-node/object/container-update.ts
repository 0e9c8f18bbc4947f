/**
 * After a PUT or DELETE the object server tells the container servers named by the proxy
 * (X-Container-Host/-Device/-Partition) about the change before answering, waiting at most
 * container_update_timeout, so a listing read right after a successful PUT shows the object.
 * Servers that did not take the update get an async pending for the updater.
 */
import type { Timestamp } from '../../common/timestamp.js';
import { writeAsyncPending } from '../async-pending.js';
import type { NodeContext } from '../context.js';
import type { BackendRequest } from '../http/types.js';
import { sendUpdates, updateTargets } from '../updates.js';

export interface ObjectChange {
  method: 'PUT' | 'DELETE';
  timestamp: Timestamp;
  /** For PUT: what the listing shows. */
  size?: number;
  contentType?: string;
  etag?: string;
}

export async function updateContainers(
  ctx: NodeContext,
  req: BackendRequest,
  devicePath: string,
  hash: string,
  change: ObjectChange,
): Promise<void> {
  const parsed = updateTargets(
    req.header('x-container-host'),
    req.header('x-container-device'),
    req.header('x-container-partition'),
  );
  if (!parsed) return;
  const { account, container, object } = req.path;
  const headers: Record<string, string> = {
    'X-Timestamp': change.timestamp.internal,
    'X-Trans-Id': req.txId,
  };
  if (change.method === 'PUT') {
    headers['X-Size'] = String(change.size ?? 0);
    headers['X-Content-Type'] = change.contentType ?? 'application/octet-stream';
    headers['X-Etag'] = change.etag ?? '';
  }
  const update = {
    method: change.method,
    partition: parsed.partition,
    account,
    container: container!,
    object: object!,
    headers,
  };
  const failed = await sendUpdates(
    ctx.http,
    parsed.targets,
    update,
    ctx.config.object.containerUpdateTimeout,
  );
  if (failed.length === 0) return;
  req.log.warn(
    { failed: failed.map((t) => `${t.host}/${t.device}`) },
    'container update failed; saved as async pending',
  );
  await writeAsyncPending(devicePath, hash, change.timestamp.internal, {
    target: 'container',
    ...update,
    nodes: failed,
  });
}
