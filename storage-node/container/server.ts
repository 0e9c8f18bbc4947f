/**
 * The container server (Swift's, port 6201): one SQLite database per container.
 *
 *   PUT/POST/DELETE/GET/HEAD /<dev>/<part>/<a>/<c>   the container and its listing
 *   PUT/DELETE /<dev>/<part>/<a>/<c>/<o>             object rows, sent by object servers
 *
 * Container PUT and DELETE then tell the account servers (account-update.ts).
 */
import { StratusError } from '../../common/errors.js';
import {
  containerListing,
  isTrueValue,
  parseListingParams,
  type ObjectListingEntry,
} from '../../common/listing.js';
import { Timestamp } from '../../common/timestamp.js';
import type { NodeContext } from '../context.js';
import { createDbReplicateHandler } from '../db-replication/replicate-handler.js';
import { DatabaseHandles } from '../db/handles.js';
import { visibleMetadata } from '../db/metadata.js';
import {
  backendTimestampHeaders,
  requestedListingMedia,
  requestMetadata,
  wrongPath,
} from '../db/request-headers.js';
import { requestTimestamp } from '../http/request-timestamp.js';
import type { BackendApp, BackendRequest, BackendResponse, HeaderValues } from '../http/types.js';
import { accountTargets, updateAccounts } from './account-update.js';
import { ContainerBroker, type ContainerInfo, type ObjectRow } from './broker.js';
import { locateContainer, type ContainerLocator } from './locate.js';
import { deleteObjectRow, putObjectRow } from './object-rows.js';
import { AccountStatsReporter } from './stats-report.js';

export function createContainerApp(ctx: NodeContext): BackendApp {
  const handles = new DatabaseHandles();
  const locate = locateContainer(ctx, handles);
  const stats = new AccountStatsReporter(ctx);
  const rowChanged = (broker: ContainerBroker, req: BackendRequest) =>
    stats.schedule(broker, req.path.account, req.path.container!);
  return {
    name: 'container-server',
    minParts: 4,
    maxParts: 5,
    partitionCount: () => ctx.rings.container.partitionCount,
    handlers: {
      PUT: (req) =>
        req.path.object === undefined
          ? putContainer(ctx, locate, req)
          : putObjectRow(locate, req, rowChanged),
      DELETE: (req) =>
        req.path.object === undefined
          ? deleteContainer(ctx, locate, req)
          : deleteObjectRow(locate, req, rowChanged),
      POST: (req) => postContainer(locate, req),
      GET: (req) => getContainer(locate, req, false),
      HEAD: (req) => getContainer(locate, req, true),
    },
    replicate: createDbReplicateHandler(ctx, 'containers', handles),
  };
}

async function putContainer(
  ctx: NodeContext,
  locate: ContainerLocator,
  req: BackendRequest,
): Promise<BackendResponse> {
  const timestamp = requestTimestamp(req);
  const metadata = requestMetadata(req, 'container', timestamp);
  const targets = accountTargets(req);
  const { devicePath, hash, broker } = await locate(req);
  const { account, container } = req.path;
  let created = await ContainerBroker.create(devicePath, broker.path, {
    account,
    container: container!,
    putTimestamp: timestamp,
    metadata,
  });
  if (!created) {
    const outcome = broker.recordPut(timestamp, metadata);
    if (outcome === 'still-deleted') throw conflict(broker.info()!);
    created = outcome === 'recreated';
  }
  await updateAccounts(ctx, req, targets, broker, devicePath, hash, timestamp);
  return { status: created ? 201 : 202 };
}

async function postContainer(
  locate: ContainerLocator,
  req: BackendRequest,
): Promise<BackendResponse> {
  if (req.path.object !== undefined) throw wrongPath();
  const timestamp = requestTimestamp(req);
  const metadata = requestMetadata(req, 'container', timestamp);
  const { broker } = await locate(req);
  liveInfo(broker);
  broker.recordPost(timestamp, metadata, !isTrueValue(req.header('x-backend-no-timestamp-update')));
  return { status: 204 };
}

async function deleteContainer(
  ctx: NodeContext,
  locate: ContainerLocator,
  req: BackendRequest,
): Promise<BackendResponse> {
  const timestamp = requestTimestamp(req);
  const targets = accountTargets(req);
  const { devicePath, hash, broker } = await locate(req);
  if (!broker.exists()) throw notFound();
  const outcome = broker.recordDelete(timestamp);
  if (outcome === 'not-empty' || outcome === 'newer-put') throw conflict(broker.info()!);
  await updateAccounts(ctx, req, targets, broker, devicePath, hash, timestamp);
  if (outcome === 'already-deleted') throw notFound(broker.info());
  return { status: 204 };
}

async function getContainer(
  locate: ContainerLocator,
  req: BackendRequest,
  head: boolean,
): Promise<BackendResponse> {
  if (req.path.object !== undefined) throw wrongPath();
  const params = head ? undefined : parseListingParams(req.query, { allowPath: true });
  const media = requestedListingMedia(req);
  const { broker } = await locate(req);
  const info = liveInfo(broker);
  const headers: HeaderValues = {
    ...backendTimestampHeaders(info),
    'X-Container-Object-Count': info.objectCount,
    'X-Container-Bytes-Used': info.bytesUsed,
    'X-Timestamp': info.createdAt.normal,
    'X-Put-Timestamp': info.putTimestamp.normal,
    ...visibleMetadata(info.metadata),
    'Content-Type': media.contentType,
    'Last-Modified': info.putTimestamp.httpDate,
  };
  if (!params) return { status: 204, headers: { ...headers, 'Content-Length': 0 } };
  const entries = broker
    .listObjects(params)
    .map((row): ObjectListingEntry => ('subdir' in row ? row : objectRecord(row)));
  const listing = containerListing(media, req.path.container!, entries);
  return {
    status: listing.status,
    headers,
    body: listing.status === 204 ? undefined : listing.body,
  };
}

/**
 * A listing entry for a row. A content type carrying `;swift_bytes=N` (large-object
 * manifests) lists N bytes and loses that parameter, as in Swift.
 */
export function objectRecord([
  name,
  createdAt,
  size,
  storedContentType,
  etag,
]: ObjectRow): ObjectListingEntry {
  let contentType = storedContentType;
  let bytes = size;
  const swiftBytes = contentType.includes('swift_bytes=')
    ? /;\s*swift_bytes=(\d+)\s*(?=;|$)/.exec(contentType)
    : null;
  if (swiftBytes) {
    bytes = Number(swiftBytes[1]);
    contentType =
      contentType.slice(0, swiftBytes.index) +
      contentType.slice(swiftBytes.index + swiftBytes[0].length);
  }
  return {
    hash: etag,
    last_modified: isoformat(createdAt),
    bytes,
    name,
    content_type: contentType,
  };
}

function isoformat(internal: string): string {
  return Timestamp.parse(internal).isoformat;
}

/** The container's info; 404 (with X-Backend-* when a deleted database exists) otherwise. */
function liveInfo(broker: ContainerBroker): ContainerInfo {
  const info = broker.info();
  if (!info || broker.isDeleted(info)) throw notFound(info);
  return info;
}

function notFound(info?: ContainerInfo): StratusError {
  return new StratusError('NOT_FOUND', 'Not Found', {
    headers: info ? backendTimestampHeaders(info) : {},
  });
}

function conflict(info: ContainerInfo): StratusError {
  return new StratusError(
    'CONFLICT',
    'There was a conflict when trying to complete your request.',
    {
      headers: backendTimestampHeaders(info),
    },
  );
}
