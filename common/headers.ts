/** Header name helpers shared by every server. */

/** `x-object-meta-color` → `X-Object-Meta-Color`: Swift title-cases the headers it returns. */
export function titleCase(name: string): string {
  return name.replace(
    /(^|-)([a-z])/g,
    (_match, dash: string, letter: string) => dash + letter.toUpperCase(),
  );
}

/** One value of a header as Node delivers them (repeated headers joined with a comma). */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/** An unquoted ETag (clients may send `"abc"`). */
export function unquoteEtag(etag: string): string {
  return etag.trim().replace(/^"(.*)"$/, '$1');
}
