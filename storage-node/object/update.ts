/** Object POST (metadata) and DELETE (tombstone). */
import { StratusError } from '../../common/errors.js';
import type { NodeContext } from '../context.js';
import type { BackendRequest, BackendResponse } from '../http/types.js';
import { updateContainers } from './container-update.js';
import { openDiskFile } from './locate.js';
import { isExpired } from './put.js';
import { liveObject } from './read.js';
import { deleteAt, requestMetadata } from './request-checks.js';
import { requestTimestamp } from '../http/request-timestamp.js';

/** POST replaces the user metadata (and Content-Type etc.) by writing a newer .meta file. */
export async function postObject(ctx: NodeContext, req: BackendRequest): Promise<BackendResponse> {
  const timestamp = requestTimestamp(req);
  deleteAt(req, Date.now() / 1000);
  const metadata = requestMetadata(req);
  const { diskFile } = await openDiskFile(ctx, req);
  const state = await liveObject(diskFile);
  if (state.lastChange.compare(timestamp) >= 0) {
    throw new StratusError('CONFLICT', 'A newer or equal timestamp exists', {
      headers: { 'X-Backend-Timestamp': state.lastChange.internal },
    });
  }
  const contentType = req.header('content-type');
  await diskFile.writeMeta(timestamp, {
    ...metadata,
    'X-Timestamp': timestamp.internal,
    ...(contentType ? { 'Content-Type': contentType } : {}),
  });
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
  const { diskFile, devicePath } = await openDiskFile(ctx, req);
  const state = await diskFile.read();
  const existing =
    state.kind === 'data'
      ? state.lastChange
      : state.kind === 'deleted'
        ? state.timestamp
        : undefined;
  if (existing && existing.compare(timestamp) >= 0) {
    throw new StratusError('CONFLICT', 'A newer or equal timestamp exists', {
      headers: { 'X-Backend-Timestamp': existing.internal },
    });
  }
  const ifDeleteAt = req.header('x-if-delete-at');
  if (ifDeleteAt !== undefined) {
    const current = state.kind === 'data' ? state.metadata['X-Delete-At'] : undefined;
    if (current !== ifDeleteAt)
      throw new StratusError('PRECONDITION_FAILED', 'X-If-Delete-At does not match the object');
  }
  const wasLive =
    state.kind === 'data' && state.metadata.name === diskFile.name && !isExpired(state.metadata);
  await diskFile.writeTombstone(timestamp, {
    name: diskFile.name,
    'X-Timestamp': timestamp.internal,
  });
  await updateContainers(ctx, req, devicePath, diskFile.hash, { method: 'DELETE', timestamp });
  const headers = existing ? { 'X-Backend-Timestamp': existing.internal } : undefined;
  return wasLive ? { status: 204, headers } : { status: 404, headers };
}
