/**
 * Object requests (`/v1/<account>/<container>/<object>`). Reads go to one replica at a time
 * until one answers; writes go to every replica with the quorum deciding. The container must
 * exist, and its ACLs decide for users who do not own the account.
 */
import mime from 'mime-types';
import { hostPort } from '../../common/backend-url.js';
import { checkMetadata, checkObjectName, checkObjectSize } from '../../common/constraints.js';
import { StratusError } from '../../common/errors.js';
import { Timestamp } from '../../common/timestamp.js';
import { readAllPrimaries, readFromNodes, writeToNodes } from '../backend/fan-out.js';
import type { ProxyContext } from '../context.js';
import { authorize } from '../identity.js';
import { destroyQuietly } from '../subresponse.js';
import type { ProxyRequest, ProxyResponse } from '../pipeline.js';
import { baseHeaders, newestReply, relay, statusOnly, truthy } from './helpers.js';
import { putObjectData } from './object-put.js';
import { updateHeaders } from './update-targets.js';

/** Client headers an object keeps (besides X-Object-Meta-*). */
const OBJECT_HEADERS = [
  'content-type',
  'content-disposition',
  'content-encoding',
  'content-language',
  'cache-control',
  'expires',
  'x-robots-tag',
  'x-object-manifest',
  'x-static-large-object',
  'x-delete-at',
];
/** System metadata reaches here only from middlewares (the gatekeeper strips clients'). */
const isSysmeta = (name: string): boolean =>
  name.startsWith('x-object-sysmeta-') || name.startsWith('x-object-transient-sysmeta-');

const READ_CONDITIONS = [
  'range',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
];

export async function objectRequest(
  ctx: ProxyContext,
  req: ProxyRequest,
  account: string,
  container: string,
  object: string,
): Promise<ProxyResponse> {
  const info = await ctx.info.container(account, container, req.txId);
  const denied = authorize(req, {
    method: req.method,
    account,
    container,
    object,
    readAcl: info.headers['x-container-read'],
    writeAcl: info.headers['x-container-write'],
  });
  if (denied) return denied;
  if (info.status === 404) throw new StratusError('NOT_FOUND', 'Not Found');
  if (info.status >= 300)
    throw new StratusError('UNAVAILABLE', 'Service Unavailable: container servers did not answer');
  const ring = ctx.rings.object;
  const where = {
    ring,
    partition: ring.getPartition(account, container, object),
    account,
    container,
    object,
  };
  switch (req.method) {
    case 'GET':
    case 'HEAD': {
      const headers = baseHeaders(req);
      for (const name of READ_CONDITIONS)
        if (req.headers[name] !== undefined) headers[name] = req.headers[name];
      if (truthy(req.headers['x-newest'])) {
        const replies = await readAllPrimaries(ctx.backend, where, req.method, headers);
        const newest = newestReply(
          replies.filter(
            (r) => r.status < 300 || r.status === 304 || r.status === 412 || r.status === 416,
          ),
        );
        for (const reply of replies) if (reply !== newest) destroyQuietly(reply.body);
        if (newest) return relay(newest);
      }
      const read = await readFromNodes(ctx.backend, where, req.method, headers);
      return read.reply ? relay(read.reply) : statusOnly(read.status);
    }
    case 'PUT': {
      checkObjectName(object);
      const length = declaredLength(req);
      const headers = objectHeaders(req, object, true);
      if (req.headers.etag !== undefined) headers.Etag = req.headers.etag;
      if (req.headers['if-none-match'] !== undefined)
        headers['If-None-Match'] = req.headers['if-none-match'];
      return putObjectData(ctx, req, { account, container, object, headers, length });
    }
    case 'POST': {
      const headers = objectHeaders(req, object, false);
      const timestamp = Timestamp.now();
      const result = await writeToNodes(ctx.backend, where, 'POST', () => ({
        ...baseHeaders(req, timestamp),
        ...headers,
      }));
      return statusOnly(result.status);
    }
    case 'DELETE': {
      const timestamp = Timestamp.now();
      const containerRing = ctx.rings.container;
      const containerPartition = containerRing.getPartition(account, container);
      const listing = containerRing
        .getPartNodes(containerPartition)
        .map((n) => ({ host: hostPort(n.ip, n.port), device: n.device }));
      const replicas = ring.getPartNodes(where.partition).length;
      const result = await writeToNodes(ctx.backend, where, 'DELETE', (replica) => ({
        ...baseHeaders(req, timestamp),
        ...updateHeaders('Container', containerPartition, listing, replica, replicas),
      }));
      return statusOnly(result.status);
    }
    default:
      throw new StratusError('METHOD_NOT_ALLOWED', 'Method Not Allowed', {
        headers: { Allow: 'GET, HEAD, PUT, POST, DELETE' },
      });
  }
}

/** The body length a PUT declares: 411 without one (unless chunked), 400 when garbled, 413 when too big. */
function declaredLength(req: ProxyRequest): number | undefined {
  const text = req.headers['content-length'];
  const chunked = (req.headers['transfer-encoding'] ?? '').toLowerCase().includes('chunked');
  if (chunked) return undefined;
  if (text === undefined)
    throw new StratusError('LENGTH_REQUIRED', 'Missing Content-Length header.');
  if (!/^\d+$/.test(text))
    throw new StratusError('BAD_REQUEST', 'Invalid Content-Length header value');
  const length = Number(text);
  checkObjectSize(length);
  return length;
}

/**
 * The headers an object PUT/POST sends to object servers: metadata, kept headers,
 * X-Delete-After turned into X-Delete-At, and (PUT) a Content-Type guessed from the name when
 * none was given or X-Detect-Content-Type asks for it.
 */
function objectHeaders(req: ProxyRequest, object: string, isPut: boolean): Record<string, string> {
  checkMetadata(req.headers, 'object');
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith('x-object-meta-') || isSysmeta(name) || OBJECT_HEADERS.includes(name))
      out[name] = value;
  }
  const now = Date.now() / 1000;
  const after = req.headers['x-delete-after'];
  if (after !== undefined) {
    if (!/^\d+$/.test(after)) throw new StratusError('BAD_REQUEST', 'Non-integer X-Delete-After');
    out['x-delete-at'] = String(Math.floor(now + Number(after)));
  }
  const at = out['x-delete-at'];
  if (at !== undefined) {
    if (!/^\d+$/.test(at)) throw new StratusError('BAD_REQUEST', 'Non-integer X-Delete-At');
    if (Number(at) <= now) throw new StratusError('BAD_REQUEST', 'X-Delete-At in past');
  }
  if (
    isPut &&
    (out['content-type'] === undefined || truthy(req.headers['x-detect-content-type']))
  ) {
    out['content-type'] = mime.lookup(object) || 'application/octet-stream';
  }
  return out;
}
