/**
 * The account server (Swift's, port 6202): one SQLite database per account.
 *
 *   PUT/POST/DELETE/GET/HEAD /<dev>/<part>/<a>   the account and its listing of containers
 *   PUT /<dev>/<part>/<a>/<c>                    a container's row, sent by container servers
 */
import { StratusError } from '../../common/errors.js';
import {
  accountListing,
  parseListingParams,
  type AccountListingEntry,
} from '../../common/listing.js';
import { Timestamp } from '../../common/timestamp.js';
import type { NodeContext } from '../context.js';
import { databasePath } from '../db/files.js';
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
import { AccountBroker, type AccountInfo } from './broker.js';

interface LocatedAccount {
  devicePath: string;
  broker: AccountBroker;
}

type AccountLocator = (req: BackendRequest) => LocatedAccount;

export function createAccountApp(ctx: NodeContext): BackendApp {
  const handles = new DatabaseHandles();
  const locate: AccountLocator = (req) => {
    const { device, partition, account } = req.path;
    const devicePath = ctx.devices.path(device);
    const hash = ctx.hasher.hashPath(account);
    return {
      devicePath,
      broker: new AccountBroker(handles, databasePath(devicePath, 'accounts', partition, hash)),
    };
  };
  const accountOnly =
    (
      handler: (
        locate: AccountLocator,
        req: BackendRequest,
      ) => BackendResponse | Promise<BackendResponse>,
    ) =>
    (req: BackendRequest): BackendResponse | Promise<BackendResponse> => {
      if (req.path.container !== undefined) throw wrongPath();
      return handler(locate, req);
    };
  return {
    name: 'account-server',
    minParts: 3,
    maxParts: 4,
    partitionCount: () => ctx.rings.account.partitionCount,
    handlers: {
      PUT: (req) =>
        req.path.container === undefined ? putAccount(locate, req) : putContainerRow(locate, req),
      POST: accountOnly(postAccount),
      DELETE: accountOnly(deleteAccount),
      GET: accountOnly((l, req) => getAccount(l, req, false)),
      HEAD: accountOnly((l, req) => getAccount(l, req, true)),
    },
    replicate: createDbReplicateHandler(ctx, 'accounts', handles),
  };
}

async function putAccount(locate: AccountLocator, req: BackendRequest): Promise<BackendResponse> {
  const timestamp = requestTimestamp(req);
  const metadata = requestMetadata(req, 'account', timestamp);
  const { devicePath, broker } = locate(req);
  if (
    await AccountBroker.create(devicePath, broker.path, {
      account: req.path.account,
      putTimestamp: timestamp,
      metadata,
    })
  ) {
    return { status: 201 };
  }
  const info = broker.info()!;
  if (broker.isStatusDeleted(info)) {
    throw new StratusError('FORBIDDEN', 'Recently deleted', {
      headers: deletedHeaders(broker, info),
    });
  }
  const outcome = broker.recordPut(timestamp, metadata);
  if (outcome === 'still-deleted') {
    throw new StratusError(
      'CONFLICT',
      'There was a conflict when trying to complete your request.',
      {
        headers: backendTimestampHeaders(info),
      },
    );
  }
  return { status: outcome === 'recreated' ? 201 : 202 };
}

function postAccount(locate: AccountLocator, req: BackendRequest): BackendResponse {
  const timestamp = requestTimestamp(req);
  const metadata = requestMetadata(req, 'account', timestamp);
  const { broker } = locate(req);
  liveInfo(broker);
  broker.updateMetadata(metadata);
  return { status: 204 };
}

function deleteAccount(locate: AccountLocator, req: BackendRequest): BackendResponse {
  const timestamp = requestTimestamp(req);
  const { broker } = locate(req);
  liveInfo(broker);
  broker.recordDelete(timestamp);
  return { status: 204, headers: deletedHeaders(broker, broker.info()!) };
}

function getAccount(locate: AccountLocator, req: BackendRequest, head: boolean): BackendResponse {
  const params = head ? undefined : parseListingParams(req.query);
  const media = requestedListingMedia(req);
  const { broker } = locate(req);
  const info = liveInfo(broker);
  const headers: HeaderValues = {
    ...backendTimestampHeaders(info),
    'X-Account-Container-Count': info.containerCount,
    'X-Account-Object-Count': info.objectCount,
    'X-Account-Bytes-Used': info.bytesUsed,
    'X-Timestamp': info.createdAt.normal,
    'X-Put-Timestamp': info.putTimestamp.normal,
    ...visibleMetadata(info.metadata),
    'Content-Type': media.contentType,
  };
  if (!params) return { status: 204, headers: { ...headers, 'Content-Length': 0 } };
  const entries = broker.listContainers(params).map((row): AccountListingEntry =>
    'subdir' in row
      ? row
      : {
          name: row[0],
          count: row[1],
          bytes: row[2],
          last_modified: Timestamp.parse(row[3]).isoformat,
        },
  );
  const listing = accountListing(media, req.path.account, entries);
  return {
    status: listing.status,
    headers,
    body: listing.status === 204 ? undefined : listing.body,
  };
}

/**
 * A container server's report about one container. 404 when the account is not here (the
 * proxy creates accounts; hidden `.` accounts are created on first use as in Swift) or deleted,
 * unless `X-Account-Override-Deleted: yes`. 204 when the report says the container is deleted.
 */
async function putContainerRow(
  locate: AccountLocator,
  req: BackendRequest,
): Promise<BackendResponse> {
  const requestTime =
    req.header('x-timestamp') === undefined ? Timestamp.now() : requestTimestamp(req);
  const report = {
    putTimestamp: timestampHeader(req, 'X-Put-Timestamp'),
    deleteTimestamp: timestampHeader(req, 'X-Delete-Timestamp'),
    objectCount: countHeader(req, 'X-Object-Count'),
    bytesUsed: countHeader(req, 'X-Bytes-Used'),
  };
  const { devicePath, broker } = locate(req);
  if (req.path.account.startsWith('.') && !broker.exists()) {
    await AccountBroker.create(devicePath, broker.path, {
      account: req.path.account,
      putTimestamp: requestTime,
      metadata: {},
    });
  }
  const info = broker.info();
  const overrideDeleted = (req.header('x-account-override-deleted') ?? '').toLowerCase() === 'yes';
  if (!info || (broker.isDeleted(info) && !overrideDeleted)) throw notFound(broker, info);
  broker.putContainer(req.path.container!, report);
  return { status: report.deleteTimestamp.compare(report.putTimestamp) > 0 ? 204 : 201 };
}

function timestampHeader(req: BackendRequest, name: string): Timestamp {
  const text = req.header(name.toLowerCase());
  if (text === undefined) throw new StratusError('BAD_REQUEST', `Missing ${name} header`);
  try {
    return Timestamp.parse(text);
  } catch {
    throw new StratusError('BAD_REQUEST', `Invalid ${name} header`);
  }
}

function countHeader(req: BackendRequest, name: string): number {
  const text = req.header(name.toLowerCase());
  if (text === undefined || !/^\d+$/.test(text))
    throw new StratusError('BAD_REQUEST', `Invalid ${name} header`);
  return Number(text);
}

/** The account's info; 404 (saying X-Account-Status: Deleted when it was deleted) otherwise. */
function liveInfo(broker: AccountBroker): AccountInfo {
  const info = broker.info();
  if (!info || broker.isDeleted(info)) throw notFound(broker, info);
  return info;
}

function notFound(broker: AccountBroker, info: AccountInfo | undefined): StratusError {
  return new StratusError('NOT_FOUND', 'Not Found', {
    headers: info ? deletedHeaders(broker, info) : {},
  });
}

function deletedHeaders(broker: AccountBroker, info: AccountInfo): Record<string, string> {
  const headers = backendTimestampHeaders(info);
  if (broker.isStatusDeleted(info)) headers['X-Account-Status'] = 'Deleted';
  return headers;
}
