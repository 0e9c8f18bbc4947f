/**
 * /v3/users/{user_id}/credentials/OS-EC2: EC2-style access/secret pairs per user and project
 * (Keystone's EC2 extension), for the S3 API. The secret is shown to the owner, as Keystone
 * shows it.
 */
import type { Express, Request } from 'express';
import { notFound, validationError } from '../errors.js';
import { authenticate, body, param, sendCollection, v3Url, type ApiContext } from '../http.js';
import { enforce } from '../policy.js';
import type { Ec2Credential } from '../store/credentials.js';

export function credentialRoutes(app: Express, ctx: ApiContext): void {
  const { backend } = ctx;
  const base = '/v3/users/:user_id/credentials/OS-EC2';

  const render = (req: Request, c: Ec2Credential) => ({
    user_id: c.userId,
    tenant_id: c.projectId,
    access: c.access,
    secret: c.secret,
    trust_id: c.trustId,
    links: { self: v3Url(req, ctx, `users/${c.userId}/credentials/OS-EC2/${c.access}`) },
  });

  app.post(base, (req, res) => {
    const userId = param(req, 'user_id');
    enforce('identity:ec2_create_credential', authenticate(req, ctx).caller, {
      credentialUserId: userId,
    });
    const projectId = body(req).tenant_id;
    if (typeof projectId !== 'string' || projectId === '')
      throw validationError('tenant_id', 'request body');
    backend.users.require(userId);
    backend.projects.require(projectId);
    const credential = backend.credentials.createEc2(userId, projectId);
    res.status(201).json({ credential: render(req, credential) });
  });

  app.get(base, (req, res) => {
    const userId = param(req, 'user_id');
    enforce('identity:ec2_list_credentials', authenticate(req, ctx).caller, {
      credentialUserId: userId,
    });
    backend.users.require(userId);
    const items = backend.credentials.listEc2(userId).map((c) => render(req, c));
    sendCollection(req, res, ctx, 'credentials', items);
  });

  app.get(`${base}/:access`, (req, res) => {
    const userId = param(req, 'user_id');
    enforce('identity:ec2_get_credential', authenticate(req, ctx).caller, {
      credentialUserId: userId,
    });
    const credential = backend.credentials.ec2(userId, param(req, 'access'));
    if (!credential) throw notFound('credential', param(req, 'access'));
    res.status(200).json({ credential: render(req, credential) });
  });

  app.delete(`${base}/:access`, (req, res) => {
    const userId = param(req, 'user_id');
    enforce('identity:ec2_delete_credential', authenticate(req, ctx).caller, {
      credentialUserId: userId,
    });
    if (!backend.credentials.deleteEc2(userId, param(req, 'access'))) {
      throw notFound('credential', param(req, 'access'));
    }
    res.status(204).end();
  });
}
