/**
 * Container requests (`/v1/<account>/<container>`): create, list, metadata, delete. Creating
 * a container creates its account first when account_autocreate is on. Each container
 * replica is told which account replica keeps its line in the account listing.
 */
import { checkContainerName } from '../../common/constraints.js';
import { hostPort } from '../../common/backend-url.js';
import { StratusError } from '../../common/errors.js';
import { Timestamp } from '../../common/timestamp.js';
import { readAllPrimaries, readFromNodes, writeToNodes } from '../backend/fan-out.js';
import type { ProxyContext } from '../context.js';
import { authorize, isOwner } from '../identity.js';
import { destroyQuietly } from '../subresponse.js';
import type { ProxyRequest, ProxyResponse } from '../pipeline.js';
import { ensureAccount } from './account.js';
import { metadataHeaders } from './headers.js';
import { baseHeaders, newestReply, relay, statusOnly, truthy } from './helpers.js';
import { updateHeaders } from './update-targets.js';

const CONTAINER_SETTINGS = [
  'x-container-read',
  'x-container-write',
  'x-versions-location',
  'x-history-location',
  'x-container-sync-to',
  'x-container-sync-key',
];
const OWNER_ONLY = new Set([
  'x-container-read',
  'x-container-write',
  'x-container-sync-key',
  'x-container-sync-to',
]);

export async function containerRequest(
  ctx: ProxyContext,
  req: ProxyRequest,
  account: string,
  container: string,
): Promise<ProxyResponse> {
  const ring = ctx.rings.container;
  const where = { ring, partition: ring.getPartition(account, container), account, container };
  const reading = req.method === 'GET' || req.method === 'HEAD';
  const info = reading ? await ctx.info.container(account, container, req.txId) : undefined;
  const denied = authorize(req, {
    method: req.method,
    account,
    container,
    readAcl: info?.headers['x-container-read'],
    writeAcl: info?.headers['x-container-write'],
  });
  if (denied) return denied;
  const hideFromOthers = (name: string) => !isOwner(req) && OWNER_ONLY.has(name);
  switch (req.method) {
    case 'GET':
    case 'HEAD': {
      const headers = {
        ...baseHeaders(req),
        ...(req.headers.accept ? { Accept: req.headers.accept } : {}),
      };
      if (truthy(req.headers['x-newest'])) {
        const replies = await readAllPrimaries(
          ctx.backend,
          where,
          req.method,
          headers,
          req.query.toString(),
        );
        const newest = newestReply(replies.filter((r) => r.status < 300));
        for (const reply of replies) if (reply !== newest) destroyQuietly(reply.body);
        if (newest) return relay(newest, hideFromOthers);
      }
      const read = await readFromNodes(
        ctx.backend,
        where,
        req.method,
        headers,
        req.query.toString(),
      );
      return read.reply ? relay(read.reply, hideFromOthers) : statusOnly(read.status);
    }
    case 'PUT': {
      checkContainerName(container);
      const meta = metadataHeaders(req, 'container', CONTAINER_SETTINGS);
      if (ctx.config.accountAutocreate) await ensureAccount(ctx, req, account);
      else if ((await ctx.info.account(account, req.txId)).status === 404)
        throw new StratusError('NOT_FOUND', 'Not Found');
      return write(ctx, req, where, 'PUT', meta);
    }
    case 'POST':
      return write(ctx, req, where, 'POST', metadataHeaders(req, 'container', CONTAINER_SETTINGS));
    case 'DELETE':
      return write(ctx, req, where, 'DELETE', {});
    default:
      throw new StratusError('METHOD_NOT_ALLOWED', 'Method Not Allowed', {
        headers: { Allow: 'GET, HEAD, PUT, POST, DELETE' },
      });
  }
}

async function write(
  ctx: ProxyContext,
  req: ProxyRequest,
  where: {
    ring: ProxyContext['rings']['container'];
    partition: number;
    account: string;
    container: string;
  },
  method: 'PUT' | 'POST' | 'DELETE',
  meta: Record<string, string>,
): Promise<ProxyResponse> {
  const timestamp = Timestamp.now();
  const accountRing = ctx.rings.account;
  const accountPartition = accountRing.getPartition(where.account);
  const accountNodes = accountRing.getPartNodes(accountPartition);
  const replicas = where.ring.getPartNodes(where.partition).length;
  const result = await writeToNodes(ctx.backend, where, method, (replica) => ({
    ...baseHeaders(req, timestamp),
    ...meta,
    ...(method === 'POST'
      ? {}
      : updateHeaders(
          'Account',
          accountPartition,
          accountNodes.map((n) => ({ host: hostPort(n.ip, n.port), device: n.device })),
          replica,
          replicas,
        )),
  }));
  ctx.info.invalidate(where.account, where.container);
  ctx.info.invalidate(where.account);
  return statusOnly(result.status);
}
