/**
 * Object PUT: checks everything that can be checked before the body flows (so a client that
 * sent `Expect: 100-continue` is refused without uploading), streams the body to a temp file
 * while computing its MD5, then commits it only if it is complete and matches the client's
 * ETag. A cut, short, stalled or mismatched upload leaves nothing visible.
 */
import { createHash } from 'node:crypto';
import { clientChunks } from '../../common/client-body.js';
import { DEFAULT_CONSTRAINTS } from '../../common/constraints.js';
import { StratusError } from '../../common/errors.js';
import { etagList } from '../../common/conditional.js';
import { unquoteEtag } from '../../common/headers.js';
import type { NodeContext } from '../context.js';
import type { BackendRequest, BackendResponse } from '../http/types.js';
import { updateContainers } from './container-update.js';
import { parseDeleteAt, queueExpiry, unqueueExpiry } from '../expirer/queue.js';
import type { DiskFileWriter } from './disk-file.js';
import { openDiskFile } from './locate.js';
import { declaredLength, deleteAt, isReplication, requestMetadata } from './request-checks.js';
import { requestTimestamp } from '../http/request-timestamp.js';

export async function putObject(ctx: NodeContext, req: BackendRequest): Promise<BackendResponse> {
  const timestamp = requestTimestamp(req);
  const length = declaredLength(req);
  const contentType = req.header('content-type');
  if (!contentType) throw new StratusError('BAD_REQUEST', 'No content type');
  const replication = isReplication(req);
  if (!replication) deleteAt(req, Date.now() / 1000);
  const metadata = requestMetadata(req);
  const { diskFile, devicePath } = openDiskFile(ctx, req);
  const current = await diskFile.read();
  if (current.kind !== 'missing') {
    if (current.kind === 'data' && current.metadata.name !== diskFile.name) {
      throw new StratusError(
        'FORBIDDEN',
        'Object name collision: another object already uses this hash',
      );
    }
    const existing = current.kind === 'data' ? current.lastChange : current.timestamp;
    if (existing.compare(timestamp) >= 0) {
      throw new StratusError('CONFLICT', 'An object with a newer or equal timestamp exists', {
        headers: { 'X-Backend-Timestamp': existing.internal },
      });
    }
  }
  const ifNoneMatch = req.header('if-none-match');
  if (
    !replication &&
    ifNoneMatch !== undefined &&
    etagList(ifNoneMatch).includes('*') &&
    current.kind === 'data' &&
    !isExpired(current.metadata)
  ) {
    throw new StratusError('PRECONDITION_FAILED', 'Precondition Failed: the object exists');
  }
  const room = ctx.devices.writableBytes(devicePath, ctx.config.object.fallocateReserve);
  if (room <= (length ?? 0)) {
    throw new StratusError(
      'INSUFFICIENT_STORAGE',
      `Insufficient Storage: not enough space on ${req.path.device}`,
    );
  }

  // The expiry queue entry goes first, so an object never expires unrecorded (expirer/queue.ts).
  const deleteAtSeconds = parseDeleteAt(metadata['X-Delete-At']);
  const previousDeleteAt =
    current.kind === 'data' ? parseDeleteAt(current.metadata['X-Delete-At']) : undefined;
  if (deleteAtSeconds !== undefined) {
    await queueExpiry(devicePath, diskFile.hash, {
      name: diskFile.name,
      partition: req.path.partition,
      deleteAt: deleteAtSeconds,
    });
  }

  req.continueBody();
  const writer = await diskFile.createWriter({ keepCacheBytes: ctx.config.object.keepCacheSize });
  let etag: string;
  try {
    etag = await receiveBody(req, writer, length, ctx.config.object.clientTimeout);
  } catch (err) {
    writer.abort();
    throw err;
  }
  const clientEtag = req.header('etag');
  if (clientEtag !== undefined && unquoteEtag(clientEtag) !== etag) {
    writer.abort();
    throw new StratusError(
      'ETAG_MISMATCH',
      'Unprocessable Entity: the body does not match the ETag sent',
    );
  }
  await writer.commit(`${timestamp.internal}.data`, {
    ...metadata,
    name: diskFile.name,
    'X-Timestamp': timestamp.internal,
    'Content-Type': contentType,
    'Content-Length': String(writer.bytesWritten),
    ETag: etag,
  });
  if (previousDeleteAt !== undefined && previousDeleteAt !== deleteAtSeconds)
    await unqueueExpiry(devicePath, diskFile.hash, previousDeleteAt);
  if (!replication) {
    await updateContainers(ctx, req, devicePath, diskFile.hash, {
      method: 'PUT',
      timestamp,
      // Middlewares may have listings show something else (Swift's container-update
      // overrides), e.g. a symlink's target instead of its empty body.
      size: Number(
        metadata['X-Object-Sysmeta-Container-Update-Override-Size'] ?? writer.bytesWritten,
      ),
      contentType:
        metadata['X-Object-Sysmeta-Container-Update-Override-Content-Type'] ?? contentType,
      etag: metadata['X-Object-Sysmeta-Container-Update-Override-Etag'] ?? etag,
    });
  }
  return { status: 201, headers: { ETag: etag, 'Last-Modified': timestamp.httpDate } };
}

export function isExpired(metadata: Record<string, string>, now = Date.now() / 1000): boolean {
  const at = metadata['X-Delete-At'];
  return at !== undefined && Number(at) <= now;
}

/**
 * Streams the body into the writer; returns its MD5 (408/499/413 from clientChunks).
 */
async function receiveBody(
  req: BackendRequest,
  writer: DiskFileWriter,
  length: number | undefined,
  clientTimeout: number,
): Promise<string> {
  const md5 = createHash('md5');
  const chunks = clientChunks(req.body, {
    timeoutSeconds: clientTimeout,
    length,
    maxBytes: DEFAULT_CONSTRAINTS.maxFileSize,
  });
  for await (const chunk of chunks) {
    md5.update(chunk);
    await writer.write(chunk);
  }
  return md5.digest('hex');
}
