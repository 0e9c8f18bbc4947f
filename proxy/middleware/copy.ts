/**
 * copy: Swift's server-side copy. `COPY /v1/a/c/o` with `Destination: c2/o2` (and
 * `Destination-Account`) is turned into `PUT /v1/a2/c2/o2` with `X-Copy-From: /c/o` (and
 * `X-Copy-From-Account`), and such a PUT reads the source with a GET subrequest made as the
 * user — so ACLs decide on both sides — and streams it into the destination PUT with the
 * source's length, never holding it in memory.
 *
 * The source's metadata is carried over and the request's own laid over it; with
 * `X-Fresh-Metadata: true` only system metadata survives. Conditional headers and Range
 * apply to the source. `?multipart-manifest=get` copies a large-object manifest as a manifest
 * (the filters below expand it otherwise), `?symlink=get` a symlink as a link. A successful
 * copy answers with `X-Copied-From`, `X-Copied-From-Account` and `X-Copied-From-Last-Modified`.
 */
import { DEFAULT_CONSTRAINTS } from '../../common/constraints.js';
import { StratusError } from '../../common/errors.js';
import { titleCase } from '../../common/headers.js';
import { truthy } from '../controllers/helpers.js';
import { carriedHeaders, isReportedOnCopy, withoutSwiftBytes } from '../copy/carried-headers.js';
import { parseAccountHeader, parsePathHeader, swiftQuote } from '../path-headers.js';
import { parseApiPath, type ApiPath } from '../path.js';
import type { App, HeaderMap, ProxyRequest, ProxyResponse } from '../pipeline.js';
import { apiPath, makeSubrequest } from '../subrequest.js';
import {
  bodyStream,
  destroyQuietly,
  discardBody,
  headerOf,
  isSuccess,
  lowerHeaders,
  setHeader,
} from '../subresponse.js';
import type { FilterFactory } from './types.js';

interface ObjectTarget {
  account: string;
  container: string;
  object: string;
}

/** Request headers that describe the copy's body or the copy itself, not the source read. */
const NOT_FOR_SOURCE = [
  'content-length',
  'transfer-encoding',
  'expect',
  'etag',
  'content-type',
  'x-copy-from',
  'x-copy-from-account',
  'x-fresh-metadata',
];
/** Conditions that select the source; the destination PUT must not see them. */
const SOURCE_CONDITIONS = [
  'range',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
];

export const copy: FilterFactory = () => async (req, next) => {
  const path = objectPath(req);
  if (!path) return next(req);
  if (req.method === 'COPY') return handleCopy(req, next, path);
  if (req.method === 'PUT' && req.headers['x-copy-from']) {
    return copyInto(req, next, path, { ...req.headers }, req.rawPath);
  }
  if (req.method === 'OPTIONS') return advertiseCopy(await next(req));
  return next(req);
};

function objectPath(req: ProxyRequest): ObjectTarget | undefined {
  let path: ApiPath | undefined;
  try {
    path = parseApiPath(req.rawPath);
  } catch {
    return undefined; // the controller answers bad names
  }
  if (!path || path.container === undefined || path.object === undefined) return undefined;
  return { account: path.account, container: path.container, object: path.object };
}

/** COPY is a PUT to the destination with the source in X-Copy-From. */
function handleCopy(req: ProxyRequest, next: App, source: ObjectTarget): Promise<ProxyResponse> {
  const destination = req.headers.destination;
  if (!destination) throw new StratusError('PRECONDITION_FAILED', 'Destination header required');
  const headers: HeaderMap = { ...req.headers };
  let account = source.account;
  if (headers['destination-account'] !== undefined) {
    account = parseAccountHeader(headers['destination-account']);
    headers['x-copy-from-account'] = swiftQuote(source.account);
    delete headers['destination-account'];
  }
  const dest = parsePathHeader(
    destination,
    'Destination header must be of the form <container name>/<object name>',
  );
  delete headers.destination;
  delete headers['transfer-encoding'];
  headers['content-length'] = '0';
  headers['x-copy-from'] = swiftQuote(`/${source.container}/${source.object}`);
  const target = { account, ...dest };
  return copyInto(req, next, target, headers, apiPath(account, dest.container, dest.object));
}

async function copyInto(
  req: ProxyRequest,
  next: App,
  dest: ObjectTarget,
  headers: HeaderMap,
  destPath: string,
): Promise<ProxyResponse> {
  const length = headers['content-length'];
  if (length !== undefined && length !== '' && Number(length) !== 0) {
    throw new StratusError('BAD_REQUEST', 'Copy requests require a zero byte body');
  }
  const srcAccount =
    headers['x-copy-from-account'] !== undefined
      ? parseAccountHeader(headers['x-copy-from-account'])
      : dest.account;
  const src = parsePathHeader(
    headers['x-copy-from']!,
    'X-Copy-From header must be of the form <container name>/<object name>',
  );
  const manifestGet = req.query.get('multipart-manifest') === 'get';

  const source = await readSource(req, next, headers, srcAccount, src, manifestGet);
  if (source.status >= 300) return source;
  const sourceHeaders = lowerHeaders(source);
  const sourceLength = sourceHeaders['content-length'];
  if (
    sourceLength === undefined ||
    !/^\d+$/.test(sourceLength) ||
    Number(sourceLength) > DEFAULT_CONSTRAINTS.maxFileSize
  ) {
    // Chunked means a large object too big to list in one go: Swift refuses those as well.
    discardBody(source);
    throw new StratusError('TOO_LARGE', 'Your request is too large.');
  }
  const plan = sinkPlan(req.query, headers, sourceHeaders, source.status === 200);

  const body = bodyStream(source);
  // Same env (identity, owner mark) as the client's request: this is that request, as a PUT.
  const put: ProxyRequest = {
    ...req,
    method: 'PUT',
    rawPath: destPath,
    query: plan.query,
    headers: plan.headers,
    body,
  };
  let response: ProxyResponse;
  try {
    response = await next(put);
  } finally {
    destroyQuietly(body);
  }
  if (isSuccess(response.status)) {
    setHeader(response, 'X-Copied-From', swiftQuote(`${src.container}/${src.object}`));
    setHeader(response, 'X-Copied-From-Account', swiftQuote(srcAccount));
    if (sourceHeaders['last-modified'])
      setHeader(response, 'X-Copied-From-Last-Modified', sourceHeaders['last-modified']);
    for (const [name, value] of Object.entries(plan.headers))
      if (isReportedOnCopy(name)) setHeader(response, titleCase(name), value);
  }
  return response;
}

/**
 * The destination PUT's headers and query: the source's carried headers under the request's,
 * the source's length (and ETag when the bytes are exactly the stored object's, so the PUT
 * verifies them), and a manifest kept a manifest for `?multipart-manifest=get`.
 */
function sinkPlan(
  requestQuery: URLSearchParams,
  headers: HeaderMap,
  source: Record<string, string>,
  wholeObject: boolean,
): { headers: HeaderMap; query: URLSearchParams } {
  const manifestGet = requestQuery.get('multipart-manifest') === 'get';
  const isSlo = source['x-static-large-object'] !== undefined;
  const isDlo = source['x-object-manifest'] !== undefined;
  const keepsEtag = wholeObject && !isSlo && (!isDlo || manifestGet);
  const carried = carriedHeaders(source, {
    fresh: truthy(headers['x-fresh-metadata']),
    asData: !manifestGet,
    etagChanges: !keepsEtag,
  });
  // The request's own headers win over the source's.
  const sink: HeaderMap = { ...carried, ...headers };
  for (const name of [...SOURCE_CONDITIONS, 'x-copy-from', 'x-copy-from-account', 'expect'])
    delete sink[name];
  delete sink['transfer-encoding'];
  sink['content-length'] = source['content-length']!;
  if (keepsEtag && source.etag) sink.etag = source.etag;
  else delete sink.etag;
  if (!headers['content-type'] && source['content-type'])
    sink['content-type'] = withoutSwiftBytes(source['content-type']);

  const query = new URLSearchParams(requestQuery);
  query.delete('symlink');
  query.delete('version-id');
  if (manifestGet) {
    if (isSlo) query.set('multipart-manifest', 'put');
    else query.delete('multipart-manifest');
    if (isDlo) sink['x-object-manifest'] = source['x-object-manifest']!;
  }
  return { headers: sink, query };
}

/** The source, read as the user with X-Newest (a copy must not resurrect an old replica). */
function readSource(
  req: ProxyRequest,
  next: App,
  headers: HeaderMap,
  account: string,
  src: { container: string; object: string },
  manifestGet: boolean,
): Promise<ProxyResponse> {
  const sourceHeaders: HeaderMap = { ...headers };
  for (const name of NOT_FOR_SOURCE) delete sourceHeaders[name];
  for (const name of Object.keys(sourceHeaders))
    if (name.startsWith('x-object-meta-') || name.startsWith('x-remove-object-meta-'))
      delete sourceHeaders[name];
  sourceHeaders['x-newest'] = 'true';
  const query = new URLSearchParams(req.query);
  if (manifestGet) query.set('format', 'raw');
  return next(
    makeSubrequest(req, {
      method: 'GET',
      path: apiPath(account, src.container, src.object),
      query,
      headers: sourceHeaders,
      source: 'SSC',
    }),
  );
}

/** OPTIONS answers list COPY among the methods, as Swift's copy middleware adds it. */
function advertiseCopy(response: ProxyResponse): ProxyResponse {
  if (!isSuccess(response.status)) return response;
  for (const name of ['Allow', 'Access-Control-Allow-Methods']) {
    const value = headerOf(response, name);
    if (value !== undefined && !value.split(/\s*,\s*/).includes('COPY'))
      setHeader(response, name, `${value}, COPY`);
  }
  return response;
}
