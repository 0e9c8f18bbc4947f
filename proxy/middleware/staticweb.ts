/**
 * staticweb: a container served as a web site, Swift's StaticWeb. For anonymous GET/HEAD
 * requests (and authenticated ones that send `X-Web-Mode: true`) to a container whose
 * metadata asks for it:
 *
 *   X-Container-Meta-Web-Index: index.html   `/c/` and `/c/dir/` serve their index.html;
 *                                             `/c` and `/c/dir` are redirected (301) to add `/`
 *   X-Container-Meta-Web-Listings: true      HTML listings where there is no index
 *   X-Container-Meta-Web-Listings-CSS: s.css the listings link that style sheet
 *   X-Container-Meta-Web-Listings-Label: x   titles read `Listing of x/<path>`
 *   X-Container-Meta-Web-Error: error.html   a 404 (or a refused container page, 401)
 *                                             shows 404error.html (401error.html)
 *   X-Container-Meta-Web-Directory-Type: t   0/1-byte objects of type t are directories
 *
 * Everything StaticWeb reads goes through the pipeline with the requester's own rights, so the
 * container's read ACL decides as usual: objects need `.r:*`, the container page and listings
 * `.r:*,.rlistings`. It sits after the auth filter. Settings ([filter:staticweb]): `url_base`
 * (scheme and host for redirects, default the request's Host).
 */
import { Readable } from 'node:stream';
import { isTrueValue } from '../../common/listing.js';
import type { ProxyContext } from '../context.js';
import { statusOnly } from '../controllers/helpers.js';
import { authorize } from '../identity.js';
import type { App, ProxyRequest, ProxyResponse } from '../pipeline.js';
import {
  listingLabel,
  listingsDisabledPage,
  listingsEnabled,
  renderListing,
  webActive,
  webSettings,
  type ListingItem,
  type WebSettings,
} from '../staticweb/listing-page.js';
import { makeSubrequest } from '../subrequest.js';
import { quote } from '../web-quoting.js';
import { verifiedTempUrl } from './tempurl.js';
import type { FilterFactory } from './types.js';

/** The request StaticWeb may serve: its raw path segments and decoded names. */
export interface WebTarget {
  /** `/v1/<account>/<container>` as received (percent-encoded). */
  containerPath: string;
  account: string;
  container: string;
  /** The decoded object part ('' for the container itself, `/c/` included). */
  object: string;
  /** The whole decoded path, for titles and redirects. */
  decodedPath: string;
}

/** Whether StaticWeb acts on this request at all, and on what (pure: path, method, identity). */
export function staticWebTarget(req: ProxyRequest): WebTarget | undefined {
  if (!req.env.has('swift.authorize')) return undefined; // no auth filter ran: stay out
  if (req.method !== 'GET' && req.method !== 'HEAD') return undefined;
  if (authenticatedUser(req) && !isTrueValue(req.headers['x-web-mode'])) return undefined;
  const parts = req.rawPath.split('/');
  if (parts.length < 4 || parts[0] !== '' || !['v1', 'v1.0'].includes(parts[1]!)) return undefined;
  if (!parts[2] || !parts[3]) return undefined;
  let decoded: string[];
  try {
    decoded = [parts[2], parts[3], parts.slice(4).join('/'), req.rawPath].map((p) =>
      decodeURIComponent(p),
    );
  } catch {
    return undefined; // the controllers refuse the path
  }
  const [account, container, object, decodedPath] = decoded as [string, string, string, string];
  return {
    containerPath: parts.slice(0, 4).join('/'),
    account,
    container,
    object,
    decodedPath,
  };
}

/** A signed-in user (not a TempURL): StaticWeb leaves them the plain API unless X-Web-Mode. */
function authenticatedUser(req: ProxyRequest): boolean {
  if (verifiedTempUrl(req)) return false;
  return (
    req.env.has('tempauth.identity') ||
    req.headers['x-auth-token'] !== undefined ||
    req.headers['x-storage-token'] !== undefined
  );
}

/** A 0- or 1-byte object of the directory type stands for a directory: served as one. */
export function isDirectoryMarker(response: ProxyResponse, directoryType: string): boolean {
  let type: string | undefined;
  let length = 0;
  for (const [name, value] of Object.entries(response.headers)) {
    if (name.toLowerCase() === 'content-type') type = String(value);
    if (name.toLowerCase() === 'content-length') length = Number(value) || 0;
  }
  return type === directoryType && length <= 1;
}

const isSuccess = (status: number) => status >= 200 && status < 300;
const isRedirect = (status: number) => status >= 300 && status < 400;

export const staticweb: FilterFactory = (conf, ctx) => {
  conf.rejectUnknown(['use', 'url_base']);
  const urlBase = conf.string('url_base', '');
  const base = urlBase ? new URL(urlBase) : undefined;
  ctx.capabilities.staticweb = {};

  return async (req, next) => {
    const target = staticWebTarget(req);
    if (!target) return next(req);
    const site = new Site(ctx, req, next, target, base);
    return target.object === '' ? site.container() : site.object();
  };
};

/** One StaticWeb request: the container's settings and the subrequests that answer it. */
class Site {
  private web: WebSettings = webSettings({});

  constructor(
    private readonly ctx: ProxyContext,
    private readonly req: ProxyRequest,
    private readonly next: App,
    private readonly target: WebTarget,
    private readonly base: URL | undefined,
  ) {}

  private async loadSettings(): Promise<Record<string, string>> {
    const info = await this.ctx.info.container(
      this.target.account,
      this.target.container,
      this.req.txId,
    );
    this.web = webSettings(isSuccess(info.status) ? info.headers : {});
    return info.headers;
  }

  /** `/v1/a/c` or `/v1/a/c/`: the index, a listing, or the plain API. */
  async container(): Promise<ProxyResponse> {
    const headers = await this.loadSettings();
    const denied = authorize(this.req, {
      method: this.req.method,
      account: this.target.account,
      container: this.target.container,
      readAcl: headers['x-container-read'],
      writeAcl: headers['x-container-write'],
    });
    if (denied) return this.errorPage(denied);
    if (!webActive(this.web)) {
      if (isTrueValue(this.req.headers['x-web-mode'])) return statusOnly(404);
      return this.next(this.req);
    }
    if (!this.req.rawPath.endsWith('/')) return this.redirectWithSlash();
    if (!this.web.index) return this.listing('');
    const index = await this.sub(this.req.method, this.req.rawPath + quote(this.web.index), true);
    if (index.status === 404) {
      discard(index);
      return this.listing('');
    }
    if (!isSuccess(index.status) && !isRedirect(index.status)) return this.errorPage(index);
    return index;
  }

  /** `/v1/a/c/<path>`: the object itself, else an index, a listing or a redirect for `<path>/`. */
  async object(): Promise<ProxyResponse> {
    const original = await this.next(this.req);
    await this.loadSettings();
    let status = original.status;
    if (isSuccess(status) || isRedirect(status)) {
      if (!isDirectoryMarker(original, this.web.directoryType)) return original;
      status = 404;
    }
    // Only a missing object turns into a web page; other refusals stay the API's.
    if (status !== 404 || !webActive(this.web)) return original;
    discard(original);
    const withSlash = this.req.rawPath.endsWith('/');
    if (this.web.index) {
      const path = `${this.req.rawPath}${withSlash ? '' : '/'}${quote(this.web.index)}`;
      const index = await this.sub(this.req.method, path, true);
      if (isSuccess(index.status) || isRedirect(index.status)) {
        if (withSlash) return index;
        discard(index);
        return this.redirectWithSlash();
      }
      if (index.status !== 404) return index;
      discard(index);
    }
    if (!withSlash) {
      // `/c/dir` with objects under `dir/`: send the browser to `/c/dir/`.
      const probe = await this.list(`${this.target.object}/`, 1);
      if (!probe.items || probe.items.length === 0) {
        discard(probe.response);
        return this.errorPage(statusOnly(404));
      }
      return this.redirectWithSlash();
    }
    return this.listing(this.target.object);
  }

  /** The HTML listing of the container or of the pseudo-directory `prefix`. */
  private async listing(prefix: string): Promise<ProxyResponse> {
    const label = listingLabel(this.target.decodedPath, this.web.listingsLabel);
    if (!listingsEnabled(this.web)) {
      return this.errorPage({
        status: 404,
        headers: { 'Content-Type': 'text/html; charset=UTF-8' },
        body: listingsDisabledPage(label, prefix, this.web),
      });
    }
    const result = await this.list(prefix);
    if (!result.items) return this.errorPage(result.response);
    if (prefix && result.items.length === 0) return this.errorPage(statusOnly(404));
    const tempUrl = this.tempUrlLinks();
    const body = renderListing({
      label,
      prefix,
      listingsCss: this.web.listingsCss,
      items: result.items,
      tempUrlQuery: tempUrl.query,
      tempUrlPrefix: tempUrl.prefix,
    });
    return { status: 200, headers: { 'Content-Type': 'text/html; charset=UTF-8' }, body };
  }

  /** A container listing (JSON, one level under `prefix`), with the requester's rights. */
  private async list(
    prefix: string,
    limit?: number,
  ): Promise<{ items?: ListingItem[]; response: ProxyResponse }> {
    const query = new URLSearchParams({ delimiter: '/', format: 'json' });
    if (prefix) query.set('prefix', prefix);
    if (limit !== undefined) query.set('limit', String(limit));
    const response = await this.next(
      makeSubrequest(this.req, {
        method: 'GET',
        path: this.target.containerPath,
        query,
        source: 'SW',
      }),
    );
    if (!isSuccess(response.status)) return { response };
    const text = (await readAll(response)).toString('utf8');
    return { items: text ? (JSON.parse(text) as ListingItem[]) : [], response };
  }

  /**
   * Swift's error pages: with Web-Error set, a failure shows `<status><web-error>` from the
   * container (with the failure's status); otherwise, or when that page is missing, the
   * failure as it is.
   */
  private async errorPage(failure: ProxyResponse): Promise<ProxyResponse> {
    if (!this.web.error) return failure;
    const page = await this.sub(
      'GET',
      `${this.target.containerPath}/${failure.status}${quote(this.web.error)}`,
      false,
    );
    if (!isSuccess(page.status)) {
      discard(page);
      return failure;
    }
    discard(failure);
    if (this.req.method === 'HEAD') {
      discard(page);
      return { status: failure.status, headers: page.headers };
    }
    return { status: failure.status, headers: page.headers, body: page.body };
  }

  private redirectWithSlash(): ProxyResponse {
    const scheme = this.base?.protocol.replace(/:$/, '') ?? 'http';
    const host =
      this.base?.host ??
      this.req.headers.host ??
      `${this.ctx.config.bindIp}:${this.ctx.config.bindPort}`;
    return {
      status: 301,
      headers: {
        Location: `${scheme}://${host}${quote(`${this.target.decodedPath}/`)}`,
        'Content-Type': 'text/html; charset=UTF-8',
      },
      body: '<html><h1>Moved Permanently</h1><p>The resource has moved permanently.</p></html>',
    };
  }

  /**
   * A GET/HEAD for another path in the container. `asRequest` keeps the client's headers
   * (conditional and range requests apply to an index page as to the object it stands for).
   */
  private sub(method: string, path: string, asRequest: boolean): Promise<ProxyResponse> {
    return this.next(
      makeSubrequest(this.req, {
        method,
        path,
        headers: asRequest ? { ...this.req.headers } : {},
        source: 'SW',
      }),
    );
  }

  /** Links in a listing reached through a prefix TempURL carry its signature along. */
  private tempUrlLinks(): { query: string; prefix: string } {
    const verified = verifiedTempUrl(this.req);
    if (!verified || verified.params.prefix === undefined) return { query: '', prefix: '' };
    const { params, grant } = verified;
    const parts = [
      `temp_url_prefix=${quote(params.prefix ?? '')}`,
      `temp_url_expires=${grant.expires}`,
      `temp_url_sig=${quote(params.sig ?? '')}`,
    ];
    if (params.ipRange) parts.push(`temp_url_ip_range=${quote(params.ipRange)}`);
    if (params.inline) parts.push('inline');
    return { query: `?${parts.join('&amp;')}`, prefix: params.prefix ?? '' };
  }
}

function discard(response: ProxyResponse): void {
  const body = response.body;
  if (body instanceof Readable && !body.destroyed) {
    body.on('error', () => undefined);
    body.destroy();
  }
}

async function readAll(response: ProxyResponse): Promise<Buffer> {
  const body = response.body;
  if (body === undefined) return Buffer.alloc(0);
  if (!(body instanceof Readable)) return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
