/**
 * Account requests (`/v1/<account>`): listing and metadata. With account_autocreate an account
 * that does not exist yet reads as empty and is created by its first write, so a new user
 * can start at once. Creating and deleting accounts directly needs allow_account_management
 * and a reseller admin.
 */
import { checkAccountName } from '../../common/constraints.js';
import { StratusError } from '../../common/errors.js';
import { Timestamp } from '../../common/timestamp.js';
import { readFromNodes, writeToNodes } from '../backend/fan-out.js';
import type { ProxyContext } from '../context.js';
import { authorize, isOwner } from '../identity.js';
import type { ProxyRequest, ProxyResponse } from '../pipeline.js';
import { metadataHeaders } from './headers.js';
import { baseHeaders, relay, statusOnly } from './helpers.js';
import { emptyListing } from './listing.js';

const OWNER_ONLY = new Set(['x-account-access-control']);

export async function accountRequest(
  ctx: ProxyContext,
  req: ProxyRequest,
  account: string,
): Promise<ProxyResponse> {
  const denied = authorize(req, { method: req.method, account });
  if (denied) return denied;
  checkAccountName(account);
  const ring = ctx.rings.account;
  const where = { ring, partition: ring.getPartition(account), account };
  switch (req.method) {
    case 'GET':
    case 'HEAD': {
      const headers = {
        ...baseHeaders(req),
        ...(req.headers.accept ? { Accept: req.headers.accept } : {}),
      };
      const read = await readFromNodes(
        ctx.backend,
        where,
        req.method,
        headers,
        req.query.toString(),
      );
      if (read.reply) return relay(read.reply, (name) => !isOwner(req) && OWNER_ONLY.has(name));
      if (read.status === 404 && ctx.config.accountAutocreate) return emptyAccount(req, account);
      return statusOnly(read.status);
    }
    case 'POST': {
      const meta = metadataHeaders(req, 'account', ['x-account-access-control']);
      if (ctx.config.accountAutocreate) await ensureAccount(ctx, req, account);
      const result = await writeToNodes(ctx.backend, where, 'POST', () => ({
        ...baseHeaders(req, Timestamp.now()),
        ...meta,
      }));
      ctx.info.invalidate(account);
      return statusOnly(result.status);
    }
    case 'PUT':
    case 'DELETE': {
      if (!ctx.config.allowAccountManagement) {
        throw new StratusError('METHOD_NOT_ALLOWED', 'Method Not Allowed', {
          headers: { Allow: 'GET, HEAD, POST' },
        });
      }
      const meta = req.method === 'PUT' ? metadataHeaders(req, 'account') : {};
      const result = await writeToNodes(ctx.backend, where, req.method, () => ({
        ...baseHeaders(req, Timestamp.now()),
        ...meta,
      }));
      ctx.info.invalidate(account);
      return statusOnly(result.status);
    }
    default:
      throw new StratusError('METHOD_NOT_ALLOWED', 'Method Not Allowed', {
        headers: { Allow: 'GET, HEAD, POST, PUT, DELETE' },
      });
  }
}

/** Creates the account on its replicas when it does not exist yet (account_autocreate). */
export async function ensureAccount(
  ctx: ProxyContext,
  req: ProxyRequest,
  account: string,
): Promise<void> {
  const info = await ctx.info.account(account, req.txId);
  if (info.status < 300) return;
  if (info.status !== 404)
    throw new StratusError('UNAVAILABLE', 'Service Unavailable: account servers did not answer');
  const ring = ctx.rings.account;
  // Account system metadata set by a middleware on the request that triggered the creation
  // (keystoneauth's project domain id) goes with it, as Swift's autocreate_account does.
  const sysmeta = Object.fromEntries(
    Object.entries(req.headers).filter(([name]) => name.startsWith('x-account-sysmeta-')),
  );
  const result = await writeToNodes(
    ctx.backend,
    { ring, partition: ring.getPartition(account), account },
    'PUT',
    () => ({ ...baseHeaders(req, Timestamp.now()), ...sysmeta }),
  );
  ctx.info.invalidate(account);
  if (result.status >= 300)
    throw new StratusError(
      'UNAVAILABLE',
      `Service Unavailable: could not create account (${result.status})`,
    );
}

/** What an account that does not exist yet looks like under account_autocreate. */
function emptyAccount(req: ProxyRequest, account: string): ProxyResponse {
  const headers = {
    'X-Account-Container-Count': 0,
    'X-Account-Object-Count': 0,
    'X-Account-Bytes-Used': 0,
    'X-Timestamp': Timestamp.now().normal,
    'X-Put-Timestamp': Timestamp.now().normal,
  };
  return emptyListing(req, 'account', account, headers);
}
