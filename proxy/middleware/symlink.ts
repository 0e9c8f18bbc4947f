/**
 * symlink: Swift's symlinks. A zero-byte PUT with `X-Symlink-Target: <container>/<object>`
 * (and `X-Symlink-Target-Account`) stores a link, its target in object system metadata;
 * with `X-Symlink-Target-Etag` it is a static link, accepted only if the target exists with
 * that ETag (its size is recorded too). GET and HEAD follow links (see symlink/follow.ts)
 * and `?symlink=get` returns the link itself; a POST is applied to the link but answered
 * 307 with the target's `Location`; DELETE removes the link. JSON container listings get
 * `symlink_path` for links. /info: `symlink` {symloop_max, static_links}.
 */
import { Readable } from 'node:stream';
import { StratusError } from '../../common/errors.js';
import { statusOnly } from '../controllers/helpers.js';
import { parseApiPath, type ApiPath } from '../path.js';
import { textResponse, type App, type ProxyRequest, type ProxyResponse } from '../pipeline.js';
import { preauthorize } from '../preauthorized.js';
import { makeSubrequest } from '../subrequest.js';
import {
  discardBody,
  headerOf,
  isSuccess,
  lowerHeaders,
  readBody,
  setHeader,
} from '../subresponse.js';
import { followSymlinks } from '../symlink/follow.js';
import {
  CONTAINER_UPDATE_OVERRIDE_ETAG,
  listingEtag,
  SYSMETA_TARGET,
  SYSMETA_TARGET_ACCOUNT,
  SYSMETA_TARGET_BYTES,
  SYSMETA_TARGET_ETAG,
  sysmetaToClient,
  TARGET,
  toSysmeta,
  validateTarget,
  type LinkPlace,
} from '../symlink/headers.js';
import { addSymlinkPaths } from '../symlink/listing.js';
import type { FilterFactory } from './types.js';

const DEFAULT_SYMLOOP_MAX = 2;

export const symlink: FilterFactory = (conf, ctx) => {
  const configured = conf.int('symloop_max', DEFAULT_SYMLOOP_MAX);
  const symloopMax = configured < 1 ? DEFAULT_SYMLOOP_MAX : configured;
  ctx.capabilities.symlink = { symloop_max: symloopMax, static_links: true };
  return async (req, next) => {
    let path: ApiPath | undefined;
    try {
      path = parseApiPath(req.rawPath);
    } catch {
      return next(req);
    }
    if (!path || path.container === undefined) return next(req);
    if (path.object === undefined) return containerListing(req, next);
    const place = { account: path.account, container: path.container, object: path.object };
    switch (req.method) {
      case 'GET':
      case 'HEAD':
        if (req.query.get('symlink') === 'get') {
          const response = await next(req);
          sysmetaToClient(response);
          return response;
        }
        return readThroughLinks(req, next, symloopMax);
      case 'PUT':
        return req.headers[TARGET] === undefined
          ? next(req)
          : putLink(req, next, place, symloopMax);
      case 'POST':
        return postToLink(req, next);
      default:
        return next(req);
    }
  };
};

/** The raw (percent-encoded) account segment of a request path. */
const rawAccount = (rawPath: string): string => rawPath.split('/')[2] ?? '';

async function readThroughLinks(
  req: ProxyRequest,
  next: App,
  symloopMax: number,
): Promise<ProxyResponse> {
  let first = await next(req);
  if (first.status === 416 && req.headers.range !== undefined) {
    // A link has no bytes for a Range to select: ask whether this is one before answering 416.
    const head = await next(
      makeSubrequest(req, { method: 'HEAD', path: req.rawPath, source: 'SYM' }),
    );
    if (isSuccess(head.status) && headerOf(head, SYSMETA_TARGET) !== undefined) {
      discardBody(first);
      first = head;
    } else {
      discardBody(head);
    }
  }
  return followSymlinks(first, {
    symloopMax,
    account: rawAccount(req.rawPath),
    fetch: (path) =>
      next(
        makeSubrequest(req, {
          method: req.method,
          path,
          headers: { ...req.headers },
          source: 'SYM',
        }),
      ),
  });
}

async function putLink(
  req: ProxyRequest,
  next: App,
  place: LinkPlace,
  symloopMax: number,
): Promise<ProxyResponse> {
  await requireEmptyBody(req);
  const target = validateTarget(req.headers, place);
  if (target.etag !== undefined) {
    const refused = await checkStaticTarget(req, next, target.path, target.etag, symloopMax);
    if (refused) return refused;
  }
  toSysmeta(req.headers);
  // The listing shows the target (Swift's container update override of the ETag).
  req.headers[CONTAINER_UPDATE_OVERRIDE_ETAG] = listingEtag(req.headers);
  return next(req);
}

/** A symlink has no body: 400 for a declared length or chunked data that is not empty. */
async function requireEmptyBody(req: ProxyRequest): Promise<void> {
  const refuse = () => new StratusError('BAD_REQUEST', 'Symlink requests require a zero byte body');
  const length = req.headers['content-length'];
  if (length !== undefined) {
    if (Number(length) !== 0) throw refuse();
    return;
  }
  req.continueBody();
  for await (const chunk of req.body as AsyncIterable<Buffer>) {
    if (chunk.length > 0) throw refuse();
  }
  delete req.headers['transfer-encoding'];
  req.headers['content-length'] = '0';
  req.body = Readable.from([]);
}

/**
 * A static link's target must exist with the given ETag (a dynamic link in between counts
 * as the zero-byte object it is). Records the target's size and, when the client named no
 * Content-Type, uses the target's.
 */
async function checkStaticTarget(
  req: ProxyRequest,
  next: App,
  targetPath: string,
  etag: string,
  symloopMax: number,
): Promise<ProxyResponse | undefined> {
  const fetch = (path: string) =>
    next(makeSubrequest(req, { method: 'HEAD', path, source: 'SYM' }));
  const found = await followSymlinks(await fetch(targetPath), {
    symloopMax,
    account: rawAccount(targetPath),
    fetch,
    targetEtag: etag,
    followDynamic: false,
    lastTarget: targetPath,
  });
  if (found.status === 404) {
    return textResponse(409, 'X-Symlink-Target does not exist', {
      'Content-Location': targetPath,
    });
  }
  if (!isSuccess(found.status)) {
    discardBody(found);
    return found.status === 409 ? found : statusOnly(found.status);
  }
  discardBody(found);
  const headers = lowerHeaders(found);
  req.headers[SYSMETA_TARGET_ETAG] = etag;
  req.headers[SYSMETA_TARGET_BYTES] =
    headers['x-object-sysmeta-slo-size'] ?? headers['content-length'] ?? '0';
  if (!req.headers['content-type'] && headers['content-type'])
    req.headers['content-type'] = headers['content-type'];
  return undefined;
}

/**
 * POST applies to the link itself (object servers cannot know what a link is), then tells
 * the client where the target is with a 307.
 */
async function postToLink(req: ProxyRequest, next: App): Promise<ProxyResponse> {
  if (req.headers[TARGET] !== undefined)
    throw new StratusError('BAD_REQUEST', 'A PUT request is required to set a symlink target');
  const response = await next(req);
  if (!isSuccess(response.status)) return response;
  // The POST's answer has no metadata: look at what was posted to (the user just wrote it).
  const head = await next(
    preauthorize(makeSubrequest(req, { method: 'HEAD', path: req.rawPath, source: 'SYM' })),
  );
  discardBody(head);
  const target = isSuccess(head.status) ? headerOf(head, SYSMETA_TARGET) : undefined;
  if (target === undefined) return response;
  discardBody(response);
  const account = headerOf(head, SYSMETA_TARGET_ACCOUNT) ?? rawAccount(req.rawPath);
  const headers: Record<string, string> = { Location: `/v1/${account}/${target}` };
  const targetEtag = headerOf(head, SYSMETA_TARGET_ETAG);
  if (targetEtag !== undefined) headers['X-Symlink-Target-Etag'] = targetEtag;
  return textResponse(
    307,
    'The requested POST was applied to a symlink. POST directly to the target to apply requested metadata.',
    headers,
  );
}

/** JSON container listings: links get `symlink_path` (and static links their ETag and size). */
async function containerListing(req: ProxyRequest, next: App): Promise<ProxyResponse> {
  const response = await next(req);
  if (req.method !== 'GET' || !isSuccess(response.status) || response.body === undefined)
    return response;
  if (!(headerOf(response, 'Content-Type') ?? '').startsWith('application/json')) return response;
  const body = await readBody(response);
  const segments = req.rawPath.split('/');
  const rewritten = addSymlinkPaths(body.toString('utf8'), segments[1]!, segments[2]!);
  response.body = rewritten === undefined ? body : rewritten;
  if (rewritten !== undefined || headerOf(response, 'Content-Length') !== undefined)
    setHeader(response, 'Content-Length', Buffer.byteLength(response.body));
  return response;
}
