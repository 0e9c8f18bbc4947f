/**
 * Object rows: object servers report each PUT (`X-Timestamp`, `X-Size`, `X-Content-Type`,
 * `X-Etag`) and DELETE (`X-Timestamp`) to the container. The newest timestamp wins; an older
 * or equal report is still answered 201/204 (the sender has nothing to retry) but changes
 * nothing. 404 when the container database is not here, except for hidden accounts
 * (`.expiring_objects` and the like), whose containers are created on first use as in Swift.
 */
import { StratusError } from '../../common/errors.js';
import { isTrueValue } from '../../common/listing.js';
import type { Timestamp } from '../../common/timestamp.js';
import { requestTimestamp } from '../http/request-timestamp.js';
import type { BackendRequest, BackendResponse } from '../http/types.js';
import { ContainerBroker } from './broker.js';
import type { ContainerLocator, LocatedContainer } from './locate.js';

/** Called after a row changed, e.g. to report the new counts to the account. */
export type RowChanged = (broker: ContainerBroker, req: BackendRequest) => void;

export async function putObjectRow(
  locate: ContainerLocator,
  req: BackendRequest,
  changed: RowChanged,
): Promise<BackendResponse> {
  const timestamp = requestTimestamp(req);
  const sizeText = req.header('x-size');
  if (sizeText === undefined || !/^\d+$/.test(sizeText))
    throw new StratusError('BAD_REQUEST', 'Invalid X-Size header');
  const contentType = req.header('x-content-type');
  if (contentType === undefined)
    throw new StratusError('BAD_REQUEST', 'Missing X-Content-Type header');
  const etag = req.header('x-etag');
  if (etag === undefined) throw new StratusError('BAD_REQUEST', 'Missing X-Etag header');
  const located = locate(req);
  await ensureContainer(located, req, timestamp);
  located.broker.putObject(req.path.object!, timestamp, Number(sizeText), contentType, etag);
  changed(located.broker, req);
  return { status: 201 };
}

export async function deleteObjectRow(
  locate: ContainerLocator,
  req: BackendRequest,
  changed: RowChanged,
): Promise<BackendResponse> {
  const timestamp = requestTimestamp(req);
  const located = locate(req);
  await ensureContainer(located, req, timestamp);
  located.broker.deleteObject(req.path.object!, timestamp);
  changed(located.broker, req);
  return { status: 204 };
}

async function ensureContainer(
  { devicePath, broker }: LocatedContainer,
  req: BackendRequest,
  timestamp: Timestamp,
): Promise<void> {
  if (broker.exists()) return;
  const explicit = req.header('x-backend-auto-create');
  const autoCreate =
    explicit !== undefined ? isTrueValue(explicit) : req.path.account.startsWith('.');
  if (!autoCreate) throw new StratusError('NOT_FOUND', 'Not Found');
  const { account, container } = req.path;
  await ContainerBroker.create(devicePath, broker.path, {
    account,
    container: container!,
    putTimestamp: timestamp,
    metadata: {},
  });
}
