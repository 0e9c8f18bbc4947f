/**
 * cors: browsers' cross-origin access to containers, as Swift's proxy does it, driven by the
 * container's metadata —
 *
 *   X-Container-Meta-Access-Control-Allow-Origin    origins allowed, space separated, or `*`
 *   X-Container-Meta-Access-Control-Max-Age         seconds a preflight may be cached
 *   X-Container-Meta-Access-Control-Expose-Headers  extra headers scripts may read
 *
 * `OPTIONS` needs no token: without an Origin it answers 200 with Allow; as a preflight (with
 * Origin and Access-Control-Request-Method) it answers 200 with the Access-Control-Allow-*
 * headers when the container allows the origin and the method, 401 otherwise. Other requests
 * from an allowed Origin get Access-Control-Allow-Origin and Access-Control-Expose-Headers
 * (simple response headers, etag, x-timestamp, x-trans-id, x-openstack-request-id, every
 * X-Container-Meta-* and X-Object-Meta-* header of the response, and the container's list); from any
 * other origin they are answered unchanged (Swift's strict_cors_mode, always on here).
 * Account-level requests get no CORS headers, as in Swift.
 *
 * [filter:cors]: cors_allow_origin (origins allowed on every container, comma list),
 * cors_expose_headers (headers exposed everywhere, comma list).
 */
import { statusOnly } from '../controllers/helpers.js';
import { parseApiPath, type ApiPath } from '../path.js';
import type { ProxyRequest, ProxyResponse } from '../pipeline.js';
import { errorToResponse } from './catch-errors.js';
import type { FilterFactory } from './types.js';

export interface CorsRules {
  allowOrigin?: string;
  maxAge?: string;
  exposeHeaders?: string;
}

const DEFAULT_EXPOSE = [
  'cache-control',
  'content-language',
  'content-type',
  'expires',
  'last-modified',
  'pragma',
  'etag',
  'x-timestamp',
  'x-trans-id',
  'x-openstack-request-id',
];

const words = (text: string | undefined, separator: RegExp): string[] =>
  (text ?? '')
    .split(separator)
    .map((word) => word.trim())
    .filter((word) => word !== '');

/** True when the container's list (or the operator's) names the origin or `*`. */
export function originAllowed(
  rules: CorsRules,
  origin: string,
  operatorOrigins: readonly string[] = [],
): boolean {
  const allowed = new Set([...words(rules.allowOrigin, / /), ...operatorOrigins]);
  return allowed.has(origin) || allowed.has('*');
}

/** The methods each level answers (Swift's controllers' public methods), for Allow. */
export function allowedMethods(path: ApiPath, copy: boolean): string[] {
  const methods = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'];
  return path.object !== undefined && copy ? ['COPY', ...methods] : methods;
}

/** The answer to `OPTIONS`: a plain Allow, a preflight's grant, or 401. */
export function optionsResponse(
  headers: Record<string, string>,
  methods: readonly string[],
  rules: CorsRules | undefined,
  operatorOrigins: readonly string[] = [],
): ProxyResponse {
  const allow = methods.join(', ');
  const origin = headers.origin;
  if (!origin || rules === undefined) return statusOnly(200, { Allow: allow });
  const method = headers['access-control-request-method'];
  if (!originAllowed(rules, origin, operatorOrigins) || !method || !methods.includes(method))
    return statusOnly(401, { Allow: allow });
  const out: Record<string, string> = { Allow: allow };
  const vary: string[] = [];
  if (rules.allowOrigin?.trim() === '*') out['Access-Control-Allow-Origin'] = '*';
  else {
    out['Access-Control-Allow-Origin'] = origin;
    vary.push('Origin');
  }
  if (rules.maxAge !== undefined) out['Access-Control-Max-Age'] = rules.maxAge;
  out['Access-Control-Allow-Methods'] = allow;
  const requested = [...new Set(words(headers['access-control-request-headers'], /,/))];
  if (requested.length > 0) {
    out['Access-Control-Allow-Headers'] = requested.join(', ');
    vary.push('Access-Control-Request-Headers');
  }
  if (vary.length > 0) out.Vary = vary.join(', ');
  return statusOnly(200, out);
}

const hasHeader = (headers: ProxyResponse['headers'], name: string): string | undefined =>
  Object.keys(headers).find((key) => key.toLowerCase() === name);

/** Adds the CORS headers of an allowed origin's actual request to its response. */
export function addCorsHeaders(
  response: ProxyResponse,
  rules: CorsRules,
  origin: string,
  operatorExpose: readonly string[] = [],
): void {
  const headers = response.headers;
  if (!hasHeader(headers, 'access-control-expose-headers')) {
    const expose = new Set([...DEFAULT_EXPOSE, ...operatorExpose]);
    for (const name of Object.keys(headers)) {
      const lower = name.toLowerCase();
      if (lower.startsWith('x-container-meta') || lower.startsWith('x-object-meta'))
        expose.add(lower);
    }
    for (const name of words(rules.exposeHeaders, / /)) expose.add(name.toLowerCase());
    headers['Access-Control-Expose-Headers'] = [...expose].join(', ');
  }
  if (!hasHeader(headers, 'access-control-allow-origin')) {
    if (rules.allowOrigin?.trim() === '*') headers['Access-Control-Allow-Origin'] = '*';
    else {
      headers['Access-Control-Allow-Origin'] = origin;
      const vary = hasHeader(headers, 'vary');
      if (vary) headers[vary] = `${String(headers[vary])}, Origin`;
      else headers.Vary = 'Origin';
    }
  }
}

export const cors: FilterFactory = (conf, ctx) => {
  conf.rejectUnknown(['use', 'cors_allow_origin', 'cors_expose_headers']);
  const operatorOrigins = conf.list('cors_allow_origin');
  const operatorExpose = conf.list('cors_expose_headers').map((name) => name.toLowerCase());
  const copy = ctx.config.pipeline.some((name) => name.replace(/-/g, '_') === 'copy');

  const rulesOf = async (req: ProxyRequest, path: ApiPath): Promise<CorsRules> => {
    const info = await ctx.info.container(path.account, path.container!, req.txId);
    const meta = (name: string) => info.headers[`x-container-meta-access-control-${name}`];
    return {
      allowOrigin: meta('allow-origin'),
      maxAge: meta('max-age'),
      exposeHeaders: meta('expose-headers'),
    };
  };

  return async (req, next) => {
    const path = parseApiPath(req.rawPath);
    if (!path) return next(req);
    const origin = req.headers.origin;
    if (req.method === 'OPTIONS') {
      const rules = origin && path.container !== undefined ? await rulesOf(req, path) : undefined;
      return optionsResponse(req.headers, allowedMethods(path, copy), rules, operatorOrigins);
    }
    if (!origin || path.container === undefined) return next(req);
    const rules = await rulesOf(req, path);
    let response: ProxyResponse;
    try {
      response = await next(req);
    } catch (err) {
      // Errors too must carry the CORS headers, or the browser hides them from the script.
      response = errorToResponse(err);
      if (response.status >= 500 && response.status !== 503 && response.status !== 507)
        req.log.error({ err }, 'unexpected error');
      else
        req.log.info(
          { status: response.status, reason: (err as Error).message },
          'request refused',
        );
    }
    if (originAllowed(rules, origin, operatorOrigins))
      addCorsHeaders(response, rules, origin, operatorExpose);
    return response;
  };
};
