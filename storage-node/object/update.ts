/** Object POST (metadata) and DELETE (tombstone). */
import { StratusError } from '../../common/errors.js';
import type { NodeContext } from '../context.js';
import type { BackendRequest, BackendResponse } from '../http/types.js';
import { parseDeleteAt, queueExpiry, unqueueExpiry } from '../expirer/queue.js';
import { updateContainers } from './container-update.js';
import { openDiskFile } from './locate.js';
import { isExpired } from './put.js';
import { liveObject } from './read.js';
import type { DiskFile, ObjectState } from './disk-file.js';
import { deleteAt, isReplication, requestMetadata } from './request-checks.js';
import { requestTimestamp } from '../http/request-timestamp.js';

/** POST replaces the user metadata (and Content-Type etc.) by writing a newer .meta file. */
export async function postObject(ctx: NodeContext, req: BackendRequest): Promise<BackendResponse> {
  const timestamp = requestTimestamp(req);
  const replication = isReplication(req);
  if (!replication) deleteAt(req, Date.now() / 1000);
  const metadata = requestMetadata(req);
  const { diskFile, devicePath } = openDiskFile(ctx, req);
  const state = replication ? await storedObject(diskFile) : await liveObject(diskFile);
  if (state.lastChange.compare(timestamp) >= 0) {
    throw new StratusError('CONFLICT', 'A newer or equal timestamp exists', {
      headers: { 'X-Backend-Timestamp': state.lastChange.internal },
    });
  }
  const contentType = req.header('content-type');
  // A POST replaces X-Delete-At (absent = removed): queue the new time first, drop the old after.
  const deleteAtSeconds = parseDeleteAt(metadata['X-Delete-At']);
  const previousDeleteAt = parseDeleteAt(state.metadata['X-Delete-At']);
  if (deleteAtSeconds !== undefined) {
    await queueExpiry(devicePath, diskFile.hash, {
      name: diskFile.name,
      partition: req.path.partition,
      deleteAt: deleteAtSeconds,
    });
  }
  await diskFile.writeMeta(timestamp, {
    ...metadata,
    'X-Timestamp': timestamp.internal,
    ...(contentType ? { 'Content-Type': contentType } : {}),
  });
  if (previousDeleteAt !== undefined && previousDeleteAt !== deleteAtSeconds)
    await unqueueExpiry(devicePath, diskFile.hash, previousDeleteAt);
  return { status: 202 };
}

/**
 * DELETE writes a tombstone even when there is nothing to delete (so an older copy elsewhere
 * cannot come back); answers 204 if a live object was there, else 404.
 */
export async function deleteObject(
  ctx: NodeContext,
  req: BackendRequest,
): Promise<BackendResponse> {
  const timestamp = requestTimestamp(req);
  const { diskFile, devicePath } = openDiskFile(ctx, req);
  const state = await diskFile.read();
  // As Swift: a delete competes with the PUT's timestamp, not with later metadata changes.
  const existing = state.kind === 'missing' ? undefined : state.timestamp;
  const replication = isReplication(req);
  if (existing && existing.compare(timestamp) >= 0) {
    throw new StratusError('CONFLICT', 'A newer or equal timestamp exists', {
      headers: { 'X-Backend-Timestamp': existing.internal },
    });
  }
  const ifDeleteAt = req.header('x-if-delete-at');
  if (ifDeleteAt !== undefined && !replication) {
    // Compared as numbers, as Swift compares timestamps: `0170…` and `170…` are one time.
    const current =
      state.kind === 'data' ? parseDeleteAt(state.metadata['X-Delete-At']) : undefined;
    if (current === undefined || current !== parseDeleteAt(ifDeleteAt))
      throw new StratusError('PRECONDITION_FAILED', 'X-If-Delete-At does not match the object');
  }
  const wasLive =
    state.kind === 'data' && state.metadata.name === diskFile.name && !isExpired(state.metadata);
  await diskFile.writeTombstone(timestamp, {
    name: diskFile.name,
    'X-Timestamp': timestamp.internal,
  });
  const queuedAt = state.kind === 'data' ? parseDeleteAt(state.metadata['X-Delete-At']) : undefined;
  if (queuedAt !== undefined) await unqueueExpiry(devicePath, diskFile.hash, queuedAt);
  if (!replication)
    await updateContainers(ctx, req, devicePath, diskFile.hash, { method: 'DELETE', timestamp });
  const headers = existing ? { 'X-Backend-Timestamp': existing.internal } : undefined;
  return wasLive ? { status: 204, headers } : { status: 404, headers };
}

/** The stored object even if expired (replication copies it as it is); 404 when there is none. */
async function storedObject(diskFile: DiskFile): Promise<Extract<ObjectState, { kind: 'data' }>> {
  const state = await diskFile.read();
  if (state.kind !== 'data' || state.metadata.name !== diskFile.name)
    throw new StratusError('NOT_FOUND', 'Not Found');
  return state;
}
