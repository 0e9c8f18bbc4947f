/**
 * Version discovery, as keystone/api/discovery.py answers it: `GET /` lists the versions with
 * 300 Multiple Choices and a Location header; `GET /v3` describes v3. keystoneauth reads
 * these to find the API behind OS_AUTH_URL. Plus `/healthcheck` (oslo's healthcheck
 * middleware, which Keystone mounts), polled by the launcher and load balancers.
 */
import type { Express, Request } from 'express';
import { v3Url, type ApiContext } from '../http.js';

/** Keystone's current v3 minor version and its date (keystone/api/discovery.py). */
const V3 = { id: 'v3.14', updated: '2020-04-07T00:00:00Z' };

function v3Version(req: Request, ctx: ApiContext) {
  return {
    id: V3.id,
    status: 'stable',
    updated: V3.updated,
    links: [{ rel: 'self', href: `${v3Url(req, ctx)}/` }],
    'media-types': [
      { base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' },
    ],
  };
}

export function discoveryRoutes(app: Express, ctx: ApiContext): void {
  app.get('/', (req, res) => {
    res
      .status(300)
      .set('Location', `${v3Url(req, ctx)}/`)
      .json({ versions: { values: [v3Version(req, ctx)] } });
  });

  app.get(['/v3', '/v3/'], (req, res) => {
    res.status(200).json({ version: v3Version(req, ctx) });
  });

  app.get('/healthcheck', (_req, res) => {
    res.status(200).type('text/plain').send('OK');
  });
}
