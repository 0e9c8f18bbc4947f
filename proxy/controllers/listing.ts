/** Listings the proxy renders itself: an account that autocreate has not created yet. */
import { accountListing, listingMediaType } from '../../common/listing.js';
import type { ProxyRequest, ProxyResponse } from '../pipeline.js';

export function emptyListing(
  req: ProxyRequest,
  _kind: 'account',
  account: string,
  headers: Record<string, string | number>,
): ProxyResponse {
  const media = listingMediaType(req.query.get('format'), req.headers.accept);
  const listing = accountListing(media, account, []);
  const status = req.method === 'HEAD' ? 204 : listing.status;
  return {
    status,
    headers: {
      ...headers,
      'Content-Type': listing.contentType,
      ...(status === 204 ? {} : { 'Content-Length': Buffer.byteLength(listing.body) }),
    },
    body: status === 204 ? undefined : listing.body,
  };
}
