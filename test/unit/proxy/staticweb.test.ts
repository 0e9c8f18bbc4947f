/**
 * StaticWeb's decisions (when it acts, what a directory marker is) and its pages, compared
 * with what Swift's own staticweb.py (2.30.1, run once with a fake app) writes for the same
 * listing.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../common/logger.js';
import { setAuthorizer } from '../../../proxy/identity.js';
import { isDirectoryMarker, staticWebTarget } from '../../../proxy/middleware/staticweb.js';
import { TEMPURL_ENV } from '../../../proxy/middleware/tempurl.js';
import type { ProxyRequest } from '../../../proxy/pipeline.js';
import {
  cssHref,
  humanReadable,
  listingLabel,
  listingsDisabledPage,
  renderListing,
  webActive,
  webSettings,
  type ListingItem,
} from '../../../proxy/staticweb/listing-page.js';

const silent = createLogger({ server: 'test', level: 'silent' });

function request(
  path: string,
  options: { method?: string; headers?: Record<string, string>; authorizer?: boolean } = {},
): ProxyRequest {
  const url = new URL(path, 'http://x');
  const req: ProxyRequest = {
    method: options.method ?? 'GET',
    rawPath: url.pathname,
    query: url.searchParams,
    headers: options.headers ?? {},
    body: Readable.from([]),
    clientIp: '127.0.0.1',
    txId: 'txtest',
    log: silent,
    env: new Map(),
    continueBody: () => undefined,
  };
  if (options.authorizer !== false) setAuthorizer(req, () => undefined);
  return req;
}

describe('when StaticWeb acts', () => {
  it('serves anonymous GET and HEAD inside a container', () => {
    expect(staticWebTarget(request('/v1/AUTH_test/site/'))).toEqual({
      containerPath: '/v1/AUTH_test/site',
      account: 'AUTH_test',
      container: 'site',
      object: '',
      decodedPath: '/v1/AUTH_test/site/',
    });
    expect(staticWebTarget(request('/v1/AUTH_test/site', { method: 'HEAD' }))?.object).toBe('');
    expect(staticWebTarget(request('/v1/AUTH_test/site/a%20dir/x'))).toMatchObject({
      object: 'a dir/x',
      decodedPath: '/v1/AUTH_test/site/a dir/x',
    });
  });

  it('leaves writes, accounts, other paths and requests before auth to the API', () => {
    expect(staticWebTarget(request('/v1/AUTH_test/site/', { method: 'PUT' }))).toBeUndefined();
    expect(staticWebTarget(request('/v1/AUTH_test/site/o', { method: 'POST' }))).toBeUndefined();
    expect(staticWebTarget(request('/v1/AUTH_test'))).toBeUndefined();
    expect(staticWebTarget(request('/v1/AUTH_test/'))).toBeUndefined();
    expect(staticWebTarget(request('/info'))).toBeUndefined();
    expect(staticWebTarget(request('/v2/AUTH_test/site/'))).toBeUndefined();
    expect(staticWebTarget(request('/v1/AUTH_test/site/', { authorizer: false }))).toBeUndefined();
    expect(staticWebTarget(request('/v1/AUTH_test/site/%FF'))).toBeUndefined();
  });

  it('leaves users with a token alone unless they send X-Web-Mode: true', () => {
    const token = { 'x-auth-token': 'AUTH_tkabc' };
    expect(staticWebTarget(request('/v1/AUTH_test/site/', { headers: token }))).toBeUndefined();
    expect(
      staticWebTarget(
        request('/v1/AUTH_test/site/', { headers: { ...token, 'x-web-mode': 'false' } }),
      ),
    ).toBeUndefined();
    expect(
      staticWebTarget(
        request('/v1/AUTH_test/site/', { headers: { ...token, 'x-web-mode': 'True' } }),
      ),
    ).toBeDefined();
  });

  it('serves requests a TempURL authorized, token or not', () => {
    const req = request('/v1/AUTH_test/site/pre/', { headers: { 'x-auth-token': 'AUTH_tkabc' } });
    req.env.set(TEMPURL_ENV, { params: { inline: false }, grant: {} });
    expect(staticWebTarget(req)).toBeDefined();
  });

  it('treats 0- and 1-byte objects of the directory type as directories', () => {
    const marker = (type: string, length: number) => ({
      status: 200,
      headers: { 'Content-Type': type, 'Content-Length': length },
    });
    expect(isDirectoryMarker(marker('application/directory', 0), 'application/directory')).toBe(
      true,
    );
    expect(isDirectoryMarker(marker('application/directory', 1), 'application/directory')).toBe(
      true,
    );
    expect(isDirectoryMarker(marker('application/directory', 2), 'application/directory')).toBe(
      false,
    );
    expect(isDirectoryMarker(marker('text/directory', 0), 'application/directory')).toBe(false);
    expect(isDirectoryMarker(marker('text/directory', 0), 'text/directory')).toBe(true);
  });
});

describe('web settings', () => {
  it('reads the container metadata, trimmed, with Swift’s defaults', () => {
    const web = webSettings({
      'x-container-meta-web-index': ' index.html ',
      'x-container-meta-web-listings': 'false',
    });
    expect(web).toEqual({
      index: 'index.html',
      error: '',
      listings: 'false',
      listingsLabel: '',
      listingsCss: '',
      directoryType: 'application/directory',
    });
    // Any Web-Listings value turns StaticWeb on (a false one then shows "listing disabled").
    expect(webActive(web)).toBe(true);
    expect(webActive(webSettings({ 'x-container-meta-web-error': 'e.html' }))).toBe(false);
  });

  it('labels, links style sheets and sizes as Swift', () => {
    expect(listingLabel('/v1/AUTH_test/c/dir/', '')).toBe('/v1/AUTH_test/c/dir/');
    expect(listingLabel('/v1/AUTH_test/c/dir/', 'example.com')).toBe('example.com/dir/');
    expect(listingLabel('/v1/AUTH_test/c/', 'example.com')).toBe('example.com/');
    expect(cssHref('style.css', '')).toBe('style.css');
    expect(cssHref('my style.css', 'a/b/')).toBe('../../my%20style.css');
    expect(cssHref('https://cdn.example/x y.css', 'a/')).toBe('https://cdn.example/x%20y.css');
    expect(cssHref('/static/s.css', 'a/')).toBe('/static/s.css');
    // swift.common.utils.human_readable of the same numbers
    expect([0, 1023, 1024, 1536, 2560, 1536000, 5 * 1024 ** 3].map(humanReadable)).toEqual([
      '0',
      '1023',
      '1Ki',
      '2Ki',
      '2Ki',
      '1Mi',
      '5Gi',
    ]);
  });
});

const ITEMS: ListingItem[] = [
  { subdir: 'dir/sub <b>/' },
  {
    name: 'dir/a&b.html',
    bytes: 1536,
    content_type: 'text/html; charset=utf-8',
    last_modified: '2024-05-06T07:08:09.123450',
  },
  {
    name: 'dir/ünï "q".txt',
    bytes: 5 * 1024 ** 3,
    content_type: 'Text/Plain',
    last_modified: '2024-05-06T07:08:10.000000',
  },
];

// staticweb.py's page for GET /v1/AUTH_test/c/dir/ with these items (its doctype updated to
// the one current Swift writes).
const SWIFT_LISTING = `<!DOCTYPE html>
<html>
 <head>
  <title>Listing of /v1/AUTH_test/c/dir/</title>
  <style type="text/css">
   h1 {font-size: 1em; font-weight: bold;}
   th {text-align: left; padding: 0px 1em 0px 1em;}
   td {padding: 0px 1em 0px 1em;}
   a {text-decoration: none;}
  </style>
 </head>
 <body>
  <h1 id="title">Listing of /v1/AUTH_test/c/dir/</h1>
  <table id="listing">
   <tr id="heading">
    <th class="colname">Name</th>
    <th class="colsize">Size</th>
    <th class="coldate">Date</th>
   </tr>
   <tr id="parent" class="item">
    <td class="colname"><a href="../">../</a></td>
    <td class="colsize">&nbsp;</td>
    <td class="coldate">&nbsp;</td>
   </tr>
   <tr class="item subdir">
    <td class="colname"><a href="sub%20%3Cb%3E/">sub &lt;b&gt;/</a></td>
    <td class="colsize">&nbsp;</td>
    <td class="coldate">&nbsp;</td>
   </tr>
   <tr class="item type-text type-html; charset=utf-8">
    <td class="colname"><a href="a%26b.html">a&amp;b.html</a></td>
    <td class="colsize">2Ki</td>
    <td class="coldate">2024-05-06 07:08:09</td>
   </tr>
   <tr class="item type-text type-plain">
    <td class="colname"><a href="%C3%BCn%C3%AF%20%22q%22.txt">ünï &quot;q&quot;.txt</a></td>
    <td class="colsize">5Gi</td>
    <td class="coldate">2024-05-06 07:08:10</td>
   </tr>
  </table>
 </body>
</html>
`;
const SWIFT_DISABLED = `<!DOCTYPE html>
<html>
<head>
<title>Listing of /v1/AUTH_test/c/dir/</title>
  <style type="text/css">
   h1 {font-size: 1em; font-weight: bold;}
   p {font-size: 2}
  </style>
</head>
<body>  <h1>Web Listing Disabled</h1>   <p>The owner of this web site has disabled web listing.   <p>If you are the owner of this web site, you can enable   web listing by setting X-Container-Meta-Web-Listings.</p><h1>Index File Not Found</h1> <p>The owner of this web site has set  <b>X-Container-Meta-Web-Index: index.html</b>.  However, this file is not found.</p> </body>
</html>
`;

describe('pages', () => {
  it('renders a listing byte for byte as Swift, names escaped and links quoted', () => {
    const page = renderListing({
      label: '/v1/AUTH_test/c/dir/',
      prefix: 'dir/',
      listingsCss: '',
      items: ITEMS,
      tempUrlQuery: '',
      tempUrlPrefix: '',
    });
    expect(page).toBe(SWIFT_LISTING);
    expect(page).not.toContain('<b>');
  });

  it('links the style sheet and carries a prefix TempURL into every link', () => {
    const page = renderListing({
      label: 'example.com/dir/',
      prefix: 'dir/',
      listingsCss: 'my style.css',
      items: ITEMS,
      tempUrlQuery: '?temp_url_prefix=dir/&amp;temp_url_expires=1&amp;temp_url_sig=ab',
      tempUrlPrefix: 'dir/',
    });
    expect(page).toContain('<link rel="stylesheet" type="text/css" href="../my%20style.css" />');
    expect(page).toContain('<title>Listing of example.com/dir/</title>');
    expect(page).toContain(
      '<a href="a%26b.html?temp_url_prefix=dir/&amp;temp_url_expires=1&amp;temp_url_sig=ab">',
    );
    // The TempURL reaches no higher than its prefix: no link to the parent.
    expect(page).not.toContain('id="parent"');
  });

  it('explains disabled listings as Swift does', () => {
    expect(
      listingsDisabledPage('/v1/AUTH_test/c/dir/', 'dir/', {
        listingsCss: '',
        index: 'index.html',
      }),
    ).toBe(SWIFT_DISABLED);
  });
});
