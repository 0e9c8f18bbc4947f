/**
 * Symlink headers as Swift's symlink middleware keeps them: clients send and read
 * `X-Symlink-Target` (`<container>/<object>`, URL-encoded), `X-Symlink-Target-Account` and,
 * for static links, `X-Symlink-Target-Etag` (and read `X-Symlink-Target-Bytes`); objects
 * store them as `X-Object-Sysmeta-Symlink-*`. The listing entry of a link carries the target
 * in its ETag's parameters (`<md5 of nothing>; symlink_target=c/o; …`), Swift's container
 * update override, from which JSON listings get `symlink_path`.
 */
import { StratusError } from '../../common/errors.js';
import { titleCase, unquoteEtag } from '../../common/headers.js';
import { parseAccountHeader, parsePathHeader, swiftQuote, unquote } from '../path-headers.js';
import type { HeaderMap, ProxyResponse } from '../pipeline.js';
import { deleteHeader, headerOf, setHeader } from '../subresponse.js';

export const TARGET = 'x-symlink-target';
export const TARGET_ACCOUNT = 'x-symlink-target-account';
export const TARGET_ETAG = 'x-symlink-target-etag';
export const TARGET_BYTES = 'x-symlink-target-bytes';
export const SYSMETA_TARGET = 'x-object-sysmeta-symlink-target';
export const SYSMETA_TARGET_ACCOUNT = 'x-object-sysmeta-symlink-target-account';
export const SYSMETA_TARGET_ETAG = 'x-object-sysmeta-symlink-target-etag';
export const SYSMETA_TARGET_BYTES = 'x-object-sysmeta-symlink-target-bytes';
/** A link that does not count towards symloop_max (set by middlewares, never clients). */
export const SYSMETA_SYMLOOP_EXTEND = 'x-object-sysmeta-symloop-extend';
export const CONTAINER_UPDATE_OVERRIDE_ETAG = 'x-object-sysmeta-container-update-override-etag';
export const MD5_OF_EMPTY = 'd41d8cd98f00b204e9800998ecf8427e';

const PAIRS: [client: string, sysmeta: string][] = [
  [TARGET, SYSMETA_TARGET],
  [TARGET_ACCOUNT, SYSMETA_TARGET_ACCOUNT],
  [TARGET_ETAG, SYSMETA_TARGET_ETAG],
  [TARGET_BYTES, SYSMETA_TARGET_BYTES],
];

const TARGET_FORM = 'X-Symlink-Target header must be of the form <container name>/<object name>';

export interface LinkPlace {
  account: string;
  container: string;
  object: string;
}

export interface ValidatedTarget {
  /** `/v1/<account>/<container>/<object>`, percent-encoded: the path to read the target at. */
  path: string;
  /** The static link's ETag, unquoted; undefined for a dynamic link. */
  etag?: string;
}

/**
 * Checks a symlink PUT's headers (412 for a malformed target or account, 400 for a link to
 * itself or an ETag with `;`, `"` or `\`) and normalises them: the target and account
 * URL-encoded once, Content-Type `application/symlink` for a dynamic link without one.
 */
export function validateTarget(headers: HeaderMap, self: LinkPlace): ValidatedTarget {
  const raw = headers[TARGET] ?? '';
  if (unquote(raw).startsWith('/')) throw new StratusError('PRECONDITION_FAILED', TARGET_FORM);
  const { container, object } = parsePathHeader(raw, TARGET_FORM);
  headers[TARGET] = swiftQuote(`${container}/${object}`);
  let account = self.account;
  if (headers[TARGET_ACCOUNT] !== undefined) {
    account = parseAccountHeader(headers[TARGET_ACCOUNT]);
    headers[TARGET_ACCOUNT] = swiftQuote(account);
  }
  if (account === self.account && container === self.container && object === self.object)
    throw new StratusError('BAD_REQUEST', 'Symlink cannot target itself');
  const given = headers[TARGET_ETAG];
  const etag = given === undefined || given === '' ? undefined : unquoteEtag(given);
  if (etag !== undefined && /[;"\\]/.test(etag))
    throw new StratusError('BAD_REQUEST', 'Bad X-Symlink-Target-Etag format');
  if (etag === undefined && !headers['content-type'])
    headers['content-type'] = 'application/symlink';
  return {
    path: `/v1/${swiftQuote(account)}/${headers[TARGET]}`,
    ...(etag === undefined ? {} : { etag }),
  };
}

/** Moves the client's symlink headers into system metadata (a PUT about to be stored). */
export function toSysmeta(headers: HeaderMap): void {
  for (const [client, sysmeta] of PAIRS.slice(0, 2)) {
    if (headers[client] !== undefined) {
      headers[sysmeta] = headers[client];
      delete headers[client];
    }
  }
  delete headers[TARGET_ETAG];
  delete headers[TARGET_BYTES];
}

/** Shows a stored link's system metadata as the client headers (`?symlink=get`). */
export function sysmetaToClient(response: ProxyResponse): void {
  for (const [client, sysmeta] of PAIRS) {
    const value = headerOf(response, sysmeta);
    if (value === undefined) continue;
    deleteHeader(response, sysmeta);
    setHeader(response, titleCase(client), value);
  }
}

/** The listing ETag of a link: the empty body's MD5 plus the target in parameters. */
export function listingEtag(headers: HeaderMap): string {
  const parts = [
    headers[CONTAINER_UPDATE_OVERRIDE_ETAG] ?? MD5_OF_EMPTY,
    `symlink_target=${headers[SYSMETA_TARGET]}`,
  ];
  if (headers[SYSMETA_TARGET_ACCOUNT] !== undefined)
    parts.push(`symlink_target_account=${headers[SYSMETA_TARGET_ACCOUNT]}`);
  if (headers[SYSMETA_TARGET_ETAG] !== undefined) {
    parts.push(`symlink_target_etag=${headers[SYSMETA_TARGET_ETAG]}`);
    parts.push(`symlink_target_bytes=${headers[SYSMETA_TARGET_BYTES]}`);
  }
  return parts.join('; ');
}
