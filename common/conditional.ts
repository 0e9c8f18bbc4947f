/**
 * Conditional requests (RFC 7232, as Swift's swob applies them to GET and HEAD):
 * If-Match / If-Unmodified-Since failing → 412; If-None-Match matching or not modified since
 * If-Modified-Since → 304. If-None-Match overrides If-Modified-Since, If-Match overrides
 * If-Unmodified-Since. ETags compare without quotes.
 */

export type ConditionOutcome = 200 | 304 | 412;

export interface ConditionalHeaders {
  'if-match'?: string | undefined;
  'if-none-match'?: string | undefined;
  'if-modified-since'?: string | undefined;
  'if-unmodified-since'?: string | undefined;
}

/** The ETags listed in an If-Match / If-None-Match header, unquoted; `*` stays `*`. */
export function etagList(header: string): string[] {
  return header
    .split(',')
    .map((tag) =>
      tag
        .trim()
        .replace(/^W\//, '')
        .replace(/^"(.*)"$/, '$1'),
    )
    .filter((tag) => tag !== '');
}

/** Seconds since the epoch of an HTTP date, or undefined when it does not parse. */
function httpDateSeconds(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const millis = Date.parse(text);
  return Number.isNaN(millis) ? undefined : Math.floor(millis / 1000);
}

/**
 * @param etag the resource's ETag (unquoted)
 * @param lastModified the resource's Last-Modified as whole seconds (Swift rounds up)
 */
export function evaluateConditions(
  headers: ConditionalHeaders,
  etag: string,
  lastModified: number,
): ConditionOutcome {
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    const tags = etagList(ifMatch);
    if (!tags.includes('*') && !tags.includes(etag)) return 412;
  }
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    const tags = etagList(ifNoneMatch);
    if (tags.includes('*') || tags.includes(etag)) return 304;
  }
  if (ifMatch === undefined) {
    const since = httpDateSeconds(headers['if-unmodified-since']);
    if (since !== undefined && lastModified > since) return 412;
  }
  if (ifNoneMatch === undefined) {
    const since = httpDateSeconds(headers['if-modified-since']);
    if (since !== undefined && lastModified <= since) return 304;
  }
  return 200;
}
