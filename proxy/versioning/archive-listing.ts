/**
 * The archived versions of one object, newest first: the archive container's JSON listing
 * under the object's prefix, `reverse=on`, read page by page only as far as the caller goes.
 * A missing archive has no versions; another client error means the archive cannot be used
 * (412, as Swift); anything else is a 500.
 */
import { StratusError } from '../../common/errors.js';
import type { ProxyResponse } from '../pipeline.js';
import { discardBody, readBody } from '../subresponse.js';

export interface ArchivedVersion {
  name: string;
  content_type: string;
}

export type ListingFetch = (query: URLSearchParams) => Promise<ProxyResponse>;

export async function* archivedVersions(
  fetch: ListingFetch,
  prefix: string,
): AsyncGenerator<ArchivedVersion> {
  let marker = '';
  for (;;) {
    const query = new URLSearchParams({ format: 'json', prefix, reverse: 'on' });
    if (marker !== '') query.set('marker', marker);
    const response = await fetch(query);
    if (response.status === 404) {
      discardBody(response);
      return;
    }
    if (response.status < 200 || response.status >= 300) {
      discardBody(response);
      if (response.status < 500)
        throw new StratusError('PRECONDITION_FAILED', 'Precondition Failed');
      throw new StratusError('INTERNAL', 'The version archive could not be listed');
    }
    const text = (await readBody(response)).toString('utf8');
    if (text === '') return;
    const page = JSON.parse(text) as ArchivedVersion[];
    if (page.length === 0) return;
    yield* page;
    marker = page[page.length - 1]!.name;
  }
}
