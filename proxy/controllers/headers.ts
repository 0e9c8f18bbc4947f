/**
 * Header handling shared by the controllers: which client headers reach storage nodes, how
 * `X-Remove-*-Meta-*` becomes an empty value (Swift's way to delete a key), and which backend
 * headers reach the client.
 */
import { checkMetadata, type MetadataTarget } from '../../common/constraints.js';
import { titleCase } from '../../common/headers.js';
import { normalizeAcl } from '../acl.js';
import type { ProxyRequest } from '../pipeline.js';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-connection',
  'date',
  'server',
]);

/**
 * Metadata and settings headers for a PUT/POST of the given kind, with removals turned into
 * empty values; validated against Swift's limits (400).
 */
export function metadataHeaders(
  req: ProxyRequest,
  kind: MetadataTarget,
  extra: readonly string[] = [],
): Record<string, string> {
  const out: Record<string, string> = {};
  const metaPrefix = `x-${kind}-meta-`;
  const removePrefix = `x-remove-${kind}-meta-`;
  // System metadata can only come from middlewares: the gatekeeper strips it from clients.
  const sysmetaPrefix = `x-${kind}-sysmeta-`;
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith(metaPrefix) || name.startsWith(sysmetaPrefix) || extra.includes(name))
      out[name] = value;
    else if (name.startsWith(removePrefix)) out[metaPrefix + name.slice(removePrefix.length)] = '';
    else if (name.startsWith('x-remove-') && extra.includes(`x-${name.slice(9)}`))
      out[`x-${name.slice(9)}`] = '';
  }
  checkMetadata(out, kind);
  for (const acl of ['x-container-read', 'x-container-write'])
    if (out[acl]) out[acl] = normalizeAcl(out[acl]);
  return Object.fromEntries(Object.entries(out).map(([name, value]) => [titleCase(name), value]));
}

/** Backend response headers fit for the client: no hop-by-hop or X-Backend-* headers. */
export function clientHeaders(
  backend: Record<string, string>,
  drop: (name: string) => boolean = () => false,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(backend)) {
    if (
      HOP_BY_HOP.has(name) ||
      name.startsWith('x-backend-') ||
      name === 'x-trans-id' ||
      drop(name)
    )
      continue;
    out[titleCase(name)] = value;
  }
  return out;
}
