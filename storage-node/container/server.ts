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
  const { devicePath, hash, broker } = locate(req);
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

function postContainer(locate: ContainerLocator, req: BackendRequest): BackendResponse {
  if (req.path.object !== undefined) throw wrongPath();
  const timestamp = requestTimestamp(req);
  const metadata = requestMetadata(req, 'container', timestamp);
  const { broker } = locate(req);
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
  const { devicePath, hash, broker } = locate(req);
  if (!broker.exists()) throw notFound();
  const outcome = broker.recordDelete(timestamp);
  if (outcome === 'not-empty' || outcome === 'newer-put') throw conflict(broker.info()!);
  await updateAccounts(ctx, req, targets, broker, devicePath, hash, timestamp);
  if (outcome === 'already-deleted') throw notFound(broker.info());
  return { status: 204 };
}

function getContainer(
  locate: ContainerLocator,
  req: BackendRequest,
  head: boolean,
): BackendResponse {
  if (req.path.object !== undefined) throw wrongPath();
  const params = head ? undefined : parseListingParams(req.query, { allowPath: true });
  const media = requestedListingMedia(req);
  const { broker } = locate(req);
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

/** Rows keep `Timestamp.internal` (`1402437380.58186`, maybe `_<offset>`): ten digits, five. */
const STORED_TIMESTAMP = /^\d{10}\.\d{5}(?:_|$)/;
let cachedDay = NaN;
let cachedDate = '';

/**
 * `Timestamp.parse(internal).isoformat`, computed from the digits: a 10 000-name page formats
 * 10 000 dates, and parsing each into a Timestamp and a Date took a fifth of the page's time
 * (bench/README.md). The calendar date is Hinnant's days-to-civil, remembered per day.
 */
export function isoformat(internal: string): string {
  if (!STORED_TIMESTAMP.test(internal)) return Timestamp.parse(internal).isoformat;
  const seconds = Number(internal.slice(0, 10));
  const day = Math.floor(seconds / 86_400);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDate = civilDate(day);
  }
  const inDay = seconds - day * 86_400;
  return `${cachedDate}T${two(Math.floor(inDay / 3600))}:${two(Math.floor(inDay / 60) % 60)}:${two(inDay % 60)}.${internal.slice(11, 16)}0`;
}

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

function civilDate(daysSinceEpoch: number): string {
  const z = daysSinceEpoch + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
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
