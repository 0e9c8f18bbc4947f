/**
 * TempURL's decision, as pure functions: which object a signed URL names, and whether its
 * signature, expiry, prefix and IP range hold for one of the keys. Every failure is the same
 * 401 to the client, so these only say yes (with the grant) or no.
 */
import { ipInRange } from './ip-range.js';
import type { KeyScope, ScopedKey } from './keys.js';
import {
  hmacHex,
  parseExpires,
  parseSignature,
  sameSignature,
  tempUrlMessage,
  type Digest,
} from './signature.js';

/** The TempURL query parameters as given (first value of each). */
export interface TempUrlParams {
  sig?: string;
  expires?: string;
  prefix?: string;
  filename?: string;
  inline: boolean;
  ipRange?: string;
}

export function readTempUrlParams(query: URLSearchParams): TempUrlParams {
  const first = (name: string) => query.get(name) ?? undefined;
  return {
    sig: first('temp_url_sig'),
    expires: first('temp_url_expires'),
    prefix: first('temp_url_prefix'),
    filename: first('filename'),
    inline: query.has('inline'),
    ipRange: first('temp_url_ip_range'),
  };
}

/** True when the request carries TempURL parameters at all (otherwise TempURL stays out). */
export function isTempUrlRequest(params: TempUrlParams): boolean {
  return params.sig !== undefined || params.expires !== undefined;
}

export interface ObjectTarget {
  account: string;
  container: string;
  object: string;
}

/**
 * The object a TempURL may name: `/v1/<account>/<container>/<object>` with a non-empty object
 * (only `v1`, as Swift), decoded; undefined for anything else or a method not configured.
 */
export function tempUrlTarget(
  method: string,
  rawPath: string,
  methods: readonly string[],
): ObjectTarget | undefined {
  if (!methods.includes(method)) return undefined;
  const parts = rawPath.split('/');
  if (parts.length < 5 || parts[0] !== '' || parts[1] !== 'v1' || !parts[2] || !parts[3])
    return undefined;
  const decoded = [parts[2], parts[3], parts.slice(4).join('/')].map(decode);
  const [account, container, object] = decoded;
  if (account === undefined || container === undefined || object === undefined) return undefined;
  if (object.replace(/^\/+|\/+$/g, '') === '') return undefined;
  return { account, container, object };
}

function decode(part: string): string | undefined {
  try {
    const text = decodeURIComponent(part);
    return text.includes('\0') || !text.isWellFormed() ? undefined : text;
  } catch {
    return undefined;
  }
}

export interface TempUrlCheck {
  method: string;
  target: ObjectTarget;
  params: TempUrlParams;
  clientIp: string;
  /** Called only once the URL is otherwise well formed, so garbage costs no backend HEAD. */
  loadKeys: () => Promise<readonly ScopedKey[]>;
  allowedDigests: readonly Digest[];
  nowSeconds: number;
}

export interface TempUrlGrant extends ObjectTarget {
  scope: KeyScope;
  /** Unix seconds. */
  expires: number;
}

/** Methods whose signature also lets a HEAD in (Swift: HEAD rides on GET, POST or PUT). */
const HEAD_RIDES_ON = ['HEAD', 'GET', 'POST', 'PUT'];

export async function verifyTempUrl(check: TempUrlCheck): Promise<TempUrlGrant | undefined> {
  const { params, target } = check;
  if (!params.sig || !params.expires) return undefined;
  const expires = parseExpires(params.expires, check.nowSeconds);
  if (expires === 0) return undefined;
  const signature = parseSignature(params.sig);
  if (!signature || !check.allowedDigests.includes(signature.algorithm as Digest)) return undefined;
  const algorithm = signature.algorithm as Digest;
  if (params.ipRange && ipInRange(check.clientIp, params.ipRange) !== true) return undefined;
  const keys = await check.loadKeys();
  if (keys.length === 0) return undefined;
  let path = `/v1/${target.account}/${target.container}/${target.object}`;
  if (params.prefix !== undefined) {
    if (!target.object.startsWith(params.prefix)) return undefined;
    path = `prefix:/v1/${target.account}/${target.container}/${params.prefix}`;
  }
  const methods = check.method === 'HEAD' ? HEAD_RIDES_ON : [check.method];
  for (const method of methods) {
    const message = tempUrlMessage(method, expires, path, params.ipRange);
    for (const { key, scope } of keys) {
      // Stops at a match only: a wrong signature costs the same whichever key is tried.
      if (sameSignature(signature.hex, hmacHex(key, message, algorithm)))
        return { ...target, scope, expires };
    }
  }
  return undefined;
}

/**
 * Content-Disposition for a GET or HEAD through a TempURL (Swift's order): `inline` (with the
 * filename if given), else an attachment named by `filename`, else the object's own header,
 * else an attachment named after the object.
 */
export function contentDisposition(
  params: TempUrlParams,
  existing: string | undefined,
  objectName: string,
  quote: (text: string, safe?: string) => string,
): string {
  const format = (type: string, filename: string) =>
    `${type}; filename="${quote(filename, ' /')}"; filename*=UTF-8''${quote(filename)}`;
  let value: string;
  if (params.inline) value = params.filename ? format('inline', params.filename) : 'inline';
  else if (params.filename) value = format('attachment', params.filename);
  else if (existing) value = existing;
  else value = format('attachment', basename(objectName.replace(/\/+$/, '')));
  return value.replace(/\n/g, '%0A');
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
