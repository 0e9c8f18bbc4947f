/**
 * What every route shares: the service context, the request's parsed JSON body (Keystone's
 * json_body rules), the base URL for links, and the caller's token.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../common/logger.js';
import type { Backend } from './backend.js';
import type { IdentityConfig } from './config.js';
import { unauthorized, validationError } from './errors.js';
import type { Caller } from './policy.js';
import { callerOf, resolveToken, type ValidToken } from './token-model.js';
import { isJsonObject, queryBool, type Json } from './validate.js';

export interface ApiContext {
  backend: Backend;
  config: IdentityConfig;
  logger: Logger;
}

/** Keystone's request size limit ([oslo_middleware] max_request_body_size). */
export const MAX_BODY_BYTES = 114_688;

const BODY = Symbol('identity.body');
const AUTH = Symbol('identity.auth');

type WithState = Request & { [BODY]?: Json; [AUTH]?: Authenticated };

/**
 * Keystone's json_body rule: an empty body is fine; otherwise it must be JSON (Content-Type
 * application/json, or none at all) and a JSON object.
 */
export function parseJsonBody(req: Request, raw: Buffer | undefined): Json {
  if (!raw || raw.length === 0) return {};
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const isJson = type === '' || type === 'application/json' || type.endsWith('+json');
  if (!isJson) throw validationError('application/json', 'Content-Type header');
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw validationError('valid JSON', 'request body');
  }
  if (!isJsonObject(value)) throw validationError('valid JSON', 'request body');
  return value;
}

/** Express middleware: parses the raw body once, failing with Keystone's 400s. */
export function jsonBody(req: Request, _res: Response, next: NextFunction): void {
  (req as WithState)[BODY] = parseJsonBody(req, Buffer.isBuffer(req.body) ? req.body : undefined);
  next();
}

export function body(req: Request): Json {
  return (req as WithState)[BODY] ?? {};
}

/** The base URL clients see (without /v3): public_endpoint, or this request's host. */
export function baseUrl(req: Request, ctx: ApiContext): string {
  if (ctx.config.publicEndpoint) return ctx.config.publicEndpoint;
  const host = req.headers.host ?? `${ctx.config.bindIp}:${ctx.config.bindPort}`;
  return `${req.protocol}://${host}`;
}

/** An absolute /v3 URL for a link. */
export function v3Url(req: Request, ctx: ApiContext, path = ''): string {
  return `${baseUrl(req, ctx)}/v3${path ? `/${path.replace(/^\//, '')}` : ''}`;
}

/** Builds links for this request (render.ts). */
export const linker =
  (req: Request, ctx: ApiContext) =>
  (path: string): string =>
    v3Url(req, ctx, path);

export interface Authenticated {
  token: ValidToken;
  caller: Caller;
}

/** The caller's valid token (X-Auth-Token), or Keystone's 401. */
export function authenticate(req: Request, ctx: ApiContext): Authenticated {
  const state = req as WithState;
  if (state[AUTH]) return state[AUTH];
  const header = req.headers['x-auth-token'];
  const id = Array.isArray(header) ? header[0] : header;
  const token = id ? resolveToken(ctx.backend, id) : undefined;
  if (!token) throw unauthorized();
  state[AUTH] = { token, caller: callerOf(token) };
  return state[AUTH];
}

/** A query parameter as one string (the first, when repeated), or undefined. */
export function query(req: Request, name: string): string | undefined {
  const value: unknown = (req.query as Record<string, unknown>)[name];
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** A path parameter (Express 5 types them loosely). */
export function param(req: Request, name: string): string {
  const value: unknown = (req.params as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : '';
}

/** Sends a Keystone collection: `{"<key>": [...], "links": {self, previous, next}}`. */
export function sendCollection(
  req: Request,
  res: Response,
  ctx: ApiContext,
  key: string,
  items: unknown[],
): void {
  const qs = req.originalUrl.includes('?')
    ? req.originalUrl.slice(req.originalUrl.indexOf('?'))
    : '';
  res.status(200).json({
    [key]: items,
    links: {
      next: null,
      self: `${v3Url(req, ctx, req.path.replace(/^\/v3/, ''))}${qs}`,
      previous: null,
    },
  });
}

/**
 * Keystone's list filters: `?<key>=<value>` keeps the items whose rendered `<key>` equals the
 * value (booleans compare as Keystone's boolean words); only the given keys filter.
 */
export function filterByQuery<T extends Record<string, unknown>>(
  req: Request,
  items: T[],
  keys: readonly string[],
): T[] {
  let result = items;
  for (const key of keys) {
    const wanted = query(req, key);
    if (wanted === undefined) continue;
    result = result.filter((item) => {
      const value = item[key];
      if (typeof value === 'boolean') return value === queryBool(wanted);
      return value === wanted;
    });
  }
  return result;
}
