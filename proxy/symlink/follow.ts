/**
 * Following symlinks on GET/HEAD, as Swift's symlink middleware does: while the answer is a
 * link, read its target (in the link's account unless it names another); more than
 * `symloopMax` links in a row is a 409, as is a static link whose target's ETag is not the
 * one it was made with. The final answer — the target's, a 404 for a dangling link included —
 * carries `Content-Location`, the last target's path.
 */
import { unquoteEtag } from '../../common/headers.js';
import { textResponse, type ProxyResponse } from '../pipeline.js';
import { discardBody, lowerHeaders, setHeader } from '../subresponse.js';
import {
  SYSMETA_SYMLOOP_EXTEND,
  SYSMETA_TARGET,
  SYSMETA_TARGET_ACCOUNT,
  SYSMETA_TARGET_ETAG,
} from './headers.js';

export interface FollowOptions {
  symloopMax: number;
  /** Percent-encoded account of the request that produced `first`. */
  account: string;
  /** Reads `/v1/<account>/<container>/<object>` (percent-encoded) with the user's request. */
  fetch: (path: string) => Promise<ProxyResponse>;
  /** The ETag a static link pointing here requires. */
  targetEtag?: string;
  /** False when validating a static link: a dynamic link is then the object itself. */
  followDynamic?: boolean;
  /** The path `first` was read from, when that is already a link's target. */
  lastTarget?: string;
}

export async function followSymlinks(
  first: ProxyResponse,
  options: FollowOptions,
): Promise<ProxyResponse> {
  let response = first;
  let account = options.account;
  let targetEtag = options.targetEtag;
  let lastTarget = options.lastTarget;
  let hops = 0;
  for (;;) {
    const headers = lowerHeaders(response);
    const target = headers[SYSMETA_TARGET];
    const linkEtag = headers[SYSMETA_TARGET_ETAG];
    const isLink =
      target !== undefined && (linkEtag !== undefined || options.followDynamic !== false);
    if (!isLink) {
      const finalEtag = headers.etag === undefined ? undefined : unquoteEtag(headers.etag);
      if (finalEtag && targetEtag && finalEtag !== targetEtag) {
        discardBody(response);
        return conflict(
          `Object Etag '${finalEtag}' does not match X-Symlink-Target-Etag header '${targetEtag}'`,
          lastTarget,
        );
      }
      if (lastTarget !== undefined) setHeader(response, 'Content-Location', lastTarget);
      return response;
    }
    discardBody(response); // a link is zero bytes
    const foundEtag =
      linkEtag ?? (headers.etag === undefined ? undefined : unquoteEtag(headers.etag));
    if (targetEtag && targetEtag !== foundEtag)
      return conflict('X-Symlink-Target-Etag headers do not match', lastTarget);
    if (hops >= options.symloopMax) {
      return conflict(
        `Too many levels of symbolic links, maximum allowed is ${options.symloopMax}`,
        undefined,
      );
    }
    account = headers[SYSMETA_TARGET_ACCOUNT] ?? account;
    lastTarget = `/v1/${account}/${target.replace(/^\/+/, '')}`;
    if (
      !['true', '1', 'yes', 'on', 't', 'y'].includes(
        (headers[SYSMETA_SYMLOOP_EXTEND] ?? '').toLowerCase(),
      )
    )
      hops += 1;
    targetEtag = linkEtag;
    response = await options.fetch(lastTarget);
  }
}

function conflict(message: string, location: string | undefined): ProxyResponse {
  return textResponse(409, message, location === undefined ? {} : { 'Content-Location': location });
}
