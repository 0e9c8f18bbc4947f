/**
 * The listing walk shared by containers (objects) and accounts (containers): Swift's
 * prefix / delimiter / marker / end_marker / reverse / path semantics over a table ordered by
 * name, asking the database one page at a time for rows in a name range.
 *
 * Names are ordered as SQLite's BINARY collation orders TEXT: byte-wise UTF-8. JavaScript's
 * `<` compares UTF-16 code units, which disagrees for characters above U+FFFF, so every
 * comparison here goes through `compareNames`.
 */
import type { ListingParams, SubdirRecord } from '../../common/listing.js';

/** Bounds for one page; every bound is optional. */
export interface NameRange {
  /** name > after */
  after?: string;
  /** name >= from */
  from?: string;
  /** name < before */
  before?: string;
}

/**
 * Rows as SQLite returns them in raw mode: the name first. Tuples rather than objects because
 * a page is thousands of rows and objects cost twice as much to build.
 */
export type NamedRow = readonly [name: string, ...rest: unknown[]];

/**
 * Up to `limit` live rows in `range`, ordered by name (descending when `reverse`). Read lazily
 * unless `whole`: with a delimiter the walk stops reading at the first rolled-up name, and the
 * rest of the page is never fetched; without one every row is wanted, and one `all()` call
 * costs a third of stepping an iterator row by row (bench/README.md).
 */
export type PageFetcher<Row extends NamedRow> = (
  range: NameRange,
  limit: number,
  reverse: boolean,
  whole: boolean,
) => Iterable<Row>;

export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * The smallest string greater than every string starting with `prefix` (its last character
 * incremented, skipping the surrogate range), or undefined when there is none.
 */
export function prefixEnd(prefix: string): string | undefined {
  const chars = [...prefix];
  while (chars.length > 0) {
    const last = chars.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) {
      const next = last === 0xd7ff ? 0xe000 : last + 1;
      return chars.join('') + String.fromCodePoint(next);
    }
  }
  return undefined;
}

/**
 * Lists rows and rolled-up subdirs as Swift does. With `path`, the listing holds the names
 * directly under `path/` (a name ending in `/` right there included), and deeper names are
 * skipped rather than rolled up.
 */
export function listNames<Row extends NamedRow>(
  params: ListingParams,
  fetch: PageFetcher<Row>,
): (Row | SubdirRecord)[] {
  const { limit, reverse } = params;
  let { marker, endMarker, prefix } = params;
  let { delimiter, path } = params;
  // Reversed, the walk runs from end_marker down to marker: the two swap roles.
  if (reverse) [marker, endMarker] = [endMarker, marker];
  if (path !== undefined) {
    if (path !== '') path = `${path.replace(/\/+$/, '')}/`;
    prefix = path;
    delimiter = '/';
  }
  const upper = prefix === '' ? undefined : prefixEnd(prefix);
  const originalMarker = marker;
  const results: (Row | SubdirRecord)[] = [];
  let includeMarker = false;
  while (results.length < limit) {
    const range: NameRange = {};
    if (endMarker !== '' && (upper === undefined || compareNames(endMarker, upper) < 0))
      range.before = endMarker;
    else if (upper !== undefined) range.before = upper;
    if (includeMarker) {
      range.from = marker;
      includeMarker = false;
    } else if (marker !== '' && (prefix === '' || compareNames(marker, prefix) >= 0)) {
      range.after = marker;
    } else if (prefix !== '') {
      range.from = prefix;
    }
    if (delimiter === undefined) return [...fetch(range, limit - results.length, reverse, true)];
    const rows = fetch(range, limit - results.length, reverse, false);
    let seen = 0;
    for (const row of rows) {
      seen += 1;
      const name = row[0];
      if (reverse) endMarker = name;
      else marker = name;
      if (path !== undefined && name === path) continue;
      const end = name.indexOf(delimiter, prefix.length);
      if (end < 0) {
        results.push(row);
        continue;
      }
      if (path !== undefined && name.length === end + 1) {
        // A name ending in the delimiter right under `path` is an entry of `path` itself.
        results.push(row);
        continue;
      }
      const dirName = name.slice(0, end + 1);
      // Resume after everything under dirName: below it when reversed, from just past it otherwise.
      if (reverse) {
        endMarker = dirName;
      } else {
        marker = name.slice(0, end) + String.fromCodePoint(delimiter.codePointAt(0)! + 1);
        includeMarker = true;
      }
      if (path === undefined && dirName !== originalMarker) results.push({ subdir: dirName });
      break;
    }
    if (seen === 0) break;
  }
  return results.slice(0, limit);
}

/** `range` as SQL conditions on `name` (each starting with ` AND `) and their arguments. */
export function rangeConditions(range: NameRange): { sql: string; args: string[] } {
  let sql = '';
  const args: string[] = [];
  if (range.after !== undefined) {
    sql += ' AND name > ?';
    args.push(range.after);
  }
  if (range.from !== undefined) {
    sql += ' AND name >= ?';
    args.push(range.from);
  }
  if (range.before !== undefined) {
    sql += ' AND name < ?';
    args.push(range.before);
  }
  return { sql, args };
}
