/**
 * StaticWeb's pages, as Swift writes them: the container's web settings, the HTML listing of
 * a container or pseudo-directory (every name escaped, links quoted), and the page shown when
 * listings are off. Pure functions; the filter (../middleware/staticweb.ts) fetches the data.
 */
import { isTrueValue } from '../../common/listing.js';
import { escapeHtml, quote } from '../web-quoting.js';

/** The container's `X-Container-Meta-Web-*` settings, trimmed ('' when unset). */
export interface WebSettings {
  index: string;
  error: string;
  /** Any non-empty value turns StaticWeb on; only a true value shows listings. */
  listings: string;
  listingsLabel: string;
  listingsCss: string;
  /** Content-Type of 0/1-byte directory markers (default application/directory). */
  directoryType: string;
}

export function webSettings(headers: Record<string, string>): WebSettings {
  const meta = (name: string) => (headers[`x-container-meta-web-${name}`] ?? '').trim();
  return {
    index: meta('index'),
    error: meta('error'),
    listings: meta('listings'),
    listingsLabel: meta('listings-label'),
    listingsCss: meta('listings-css'),
    directoryType: meta('directory-type') || 'application/directory',
  };
}

export const listingsEnabled = (web: WebSettings): boolean => isTrueValue(web.listings);

/** True when StaticWeb has anything to do for the container. */
export const webActive = (web: WebSettings): boolean => web.index !== '' || web.listings !== '';

/** `Listing of <path>`'s subject: the request path, or `<label>/<path inside the container>`. */
export function listingLabel(decodedPath: string, configured: string): string {
  if (!configured) return decodedPath;
  return `${configured}/${decodedPath.split('/').slice(4).join('/')}`;
}

/** The style sheet's href from a listing `prefix` deep: relative names climb back to the container. */
export function cssHref(css: string, prefix: string): string {
  if (/^(\/|https?:\/\/)/.test(css)) return quote(css, ':/');
  return '../'.repeat(prefix.split('/').length - 1) + quote(css);
}

/** Swift's human_readable: 1023 → `1023`, 1024 → `1Ki`, 1536000 → `1Mi` (half to even). */
export function humanReadable(bytes: number): string {
  const suffixes = 'KMGTPEZY';
  let value = bytes;
  let index = -1;
  while (value >= 1024 && index + 1 < suffixes.length) {
    index += 1;
    value = roundHalfEven(value / 1024);
  }
  if (index === -1) return String(Math.trunc(value));
  return `${roundHalfEven(value)}${suffixes[index]}i`;
}

function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

export interface ListingItem {
  subdir?: string;
  name?: string;
  bytes?: number;
  content_type?: string;
  last_modified?: string;
}

export interface ListingPage {
  label: string;
  /** The pseudo-directory listed ('' for the container), ending in `/`. */
  prefix: string;
  listingsCss: string;
  items: readonly ListingItem[];
  /** For a prefix TempURL: the query each link carries, and the prefix it may not climb above. */
  tempUrlQuery: string;
  tempUrlPrefix: string;
}

const DEFAULT_STYLE =
  '  <style type="text/css">\n' +
  '   h1 {font-size: 1em; font-weight: bold;}\n' +
  '   th {text-align: left; padding: 0px 1em 0px 1em;}\n' +
  '   td {padding: 0px 1em 0px 1em;}\n' +
  '   a {text-decoration: none;}\n' +
  '  </style>\n';

const row = (attributes: string, href: string, text: string, size: string, date: string) =>
  `   <tr ${attributes}>\n` +
  `    <td class="colname"><a href="${href}">${text}</a></td>\n` +
  `    <td class="colsize">${size}</td>\n` +
  `    <td class="coldate">${date}</td>\n` +
  '   </tr>\n';

export function renderListing(page: ListingPage): string {
  const label = escapeHtml(page.label);
  let body = `<!DOCTYPE html>\n<html>\n <head>\n  <title>Listing of ${label}</title>\n`;
  body += page.listingsCss
    ? `  <link rel="stylesheet" type="text/css" href="${cssHref(page.listingsCss, page.prefix)}" />\n`
    : DEFAULT_STYLE;
  body +=
    ' </head>\n <body>\n' +
    `  <h1 id="title">Listing of ${label}</h1>\n` +
    '  <table id="listing">\n' +
    '   <tr id="heading">\n' +
    '    <th class="colname">Name</th>\n' +
    '    <th class="colsize">Size</th>\n' +
    '    <th class="coldate">Date</th>\n' +
    '   </tr>\n';
  if (page.prefix.length > page.tempUrlPrefix.length) {
    body += row('id="parent" class="item"', `../${page.tempUrlQuery}`, '../', '&nbsp;', '&nbsp;');
  }
  const inside = (name: string) => name.slice(page.prefix.length);
  for (const item of page.items) {
    if (item.subdir === undefined) continue;
    const subdir = inside(item.subdir);
    body += row(
      'class="item subdir"',
      quote(subdir) + page.tempUrlQuery,
      escapeHtml(subdir),
      '&nbsp;',
      '&nbsp;',
    );
  }
  for (const item of page.items) {
    if (item.name === undefined) continue;
    const name = inside(item.name);
    const types = (item.content_type ?? '')
      .split('/')
      .map((part) => `type-${escapeHtml(part.toLowerCase())}`)
      .join(' ');
    const date = escapeHtml(item.last_modified ?? '')
      .split('.')[0]!
      .replace('T', ' ');
    body += row(
      `class="item ${types}"`,
      quote(name) + page.tempUrlQuery,
      escapeHtml(name),
      humanReadable(item.bytes ?? 0),
      date,
    );
  }
  return `${body}  </table>\n </body>\n</html>\n`;
}

/** The 404 page when listings are off (and, if set, the index file is missing). */
export function listingsDisabledPage(
  label: string,
  prefix: string,
  web: Pick<WebSettings, 'listingsCss' | 'index'>,
): string {
  let body = `<!DOCTYPE html>\n<html>\n<head>\n<title>Listing of ${escapeHtml(label)}</title>\n`;
  body += web.listingsCss
    ? `  <link rel="stylesheet" type="text/css" href="${cssHref(web.listingsCss, prefix)}" />\n`
    : '  <style type="text/css">\n   h1 {font-size: 1em; font-weight: bold;}\n   p {font-size: 2}\n  </style>\n';
  body +=
    '</head>\n<body>' +
    '  <h1>Web Listing Disabled</h1>' +
    '   <p>The owner of this web site has disabled web listing.' +
    '   <p>If you are the owner of this web site, you can enable' +
    '   web listing by setting X-Container-Meta-Web-Listings.</p>';
  if (web.index) {
    body +=
      '<h1>Index File Not Found</h1>' +
      ' <p>The owner of this web site has set ' +
      ` <b>X-Container-Meta-Web-Index: ${escapeHtml(web.index)}</b>. ` +
      ' However, this file is not found.</p>';
  }
  return `${body} </body>\n</html>\n`;
}
