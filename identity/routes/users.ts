/**
 * /v3/users: Keystone's user API, the self-service password change
 * (POST /v3/users/{id}/password, which needs the old password, not a token), and the projects
 * a user has roles on.
 */
import type { Express } from 'express';
import { KeystoneError, notFound, unauthorized } from '../errors.js';
import {
  authenticate,
  body,
  filterByQuery,
  linker,
  param,
  query,
  sendCollection,
  type ApiContext,
} from '../http.js';
import { hashPassword, verifyPassword } from '../passwords.js';
import { enforce } from '../policy.js';
import { renderProject, renderUser } from '../render.js';
import { bodyMember, extraOf, validateEntity, type FieldSpec } from '../validate.js';

const USER_FIELDS: Record<string, FieldSpec> = {
  name: { type: 'string', minLength: 1, maxLength: 255 },
  domain_id: { type: 'string' },
  enabled: { type: 'boolean' },
  password: { type: 'nullable-string' },
  default_project_id: { type: 'nullable-string' },
  description: { type: 'nullable-string' },
};
const USER_KNOWN = [
  'id',
  'name',
  'domain_id',
  'enabled',
  'password',
  'default_project_id',
  'options',
  'password_expires_at',
];

export function userRoutes(app: Express, ctx: ApiContext): void {
  const { backend } = ctx;
  const cost = backend.settings.passwordHashCost;

  app.get('/v3/users', (req, res) => {
    enforce('identity:list_users', authenticate(req, ctx).caller, {
      domainId: query(req, 'domain_id'),
    });
    const items = backend.users.list().map((u) => renderUser(u, linker(req, ctx)));
    sendCollection(
      req,
      res,
      ctx,
      'users',
      filterByQuery(req, items, ['name', 'domain_id', 'enabled']),
    );
  });

  app.post('/v3/users', async (req, res) => {
    const { caller, token } = authenticate(req, ctx);
    const input = bodyMember(body(req), 'user');
    validateEntity(input, USER_FIELDS, ['name']);
    const domainId =
      (typeof input.domain_id === 'string' && input.domain_id) ||
      token.domain?.id ||
      backend.settings.defaultDomainId;
    enforce('identity:create_user', caller, { userDomainId: domainId, domainId });
    backend.domains.require(domainId);
    const passwordHash =
      typeof input.password === 'string' ? await hashPassword(input.password, cost) : null;
    const user = backend.users.create({
      name: input.name as string,
      domainId,
      enabled: input.enabled !== false,
      defaultProjectId: (input.default_project_id as string | null | undefined) ?? null,
      extra: extraOf(input, USER_KNOWN),
      passwordHash,
    });
    res.status(201).json({ user: renderUser(user, linker(req, ctx)) });
  });

  app.get('/v3/users/:user_id', (req, res) => {
    const id = param(req, 'user_id');
    const user = backend.users.get(id);
    enforce('identity:get_user', authenticate(req, ctx).caller, {
      userId: id,
      userDomainId: user?.domainId,
    });
    if (!user) throw notFound('user', id);
    res.status(200).json({ user: renderUser(user, linker(req, ctx)) });
  });

  app.patch('/v3/users/:user_id', async (req, res) => {
    const id = param(req, 'user_id');
    const current = backend.users.get(id);
    enforce('identity:update_user', authenticate(req, ctx).caller, {
      userId: id,
      userDomainId: current?.domainId,
    });
    if (!current) throw notFound('user', id);
    const input = bodyMember(body(req), 'user');
    validateEntity(input, USER_FIELDS);
    if ('id' in input && input.id !== id) throw new KeystoneError(400, 'Cannot change ID');
    if ('domain_id' in input && input.domain_id !== current.domainId) {
      throw new KeystoneError(400, 'Cannot change Domain ID');
    }
    const user = backend.users.update(id, {
      ...(typeof input.name === 'string' && { name: input.name }),
      ...(typeof input.enabled === 'boolean' && { enabled: input.enabled }),
      ...('default_project_id' in input && {
        defaultProjectId: (input.default_project_id as string | null) ?? null,
      }),
      extra: { ...current.extra, ...extraOf(input, USER_KNOWN) },
    });
    // An administrative reset: the new hash, and every token of the user revoked.
    if (typeof input.password === 'string') {
      backend.users.setPasswordHash(id, await hashPassword(input.password, cost));
    }
    res.status(200).json({ user: renderUser(user, linker(req, ctx)) });
  });

  app.delete('/v3/users/:user_id', (req, res) => {
    const id = param(req, 'user_id');
    const current = backend.users.get(id);
    enforce('identity:delete_user', authenticate(req, ctx).caller, {
      userId: id,
      userDomainId: current?.domainId,
    });
    backend.users.delete(id);
    res.status(204).end();
  });

  // Keystone leaves this API unenforced: it must work for a user whose token is gone.
  app.post('/v3/users/:user_id/password', async (req, res) => {
    const id = param(req, 'user_id');
    const input = bodyMember(body(req), 'user');
    validateEntity(input, { password: { type: 'string' }, original_password: { type: 'string' } }, [
      'password',
      'original_password',
    ]);
    const user = backend.users.get(id);
    if (!user) throw notFound('user', id);
    const hash = backend.users.passwordHash(id);
    const ok = hash !== null && (await verifyPassword(input.original_password as string, hash));
    if (!ok || !user.enabled) throw unauthorized();
    backend.users.setPasswordHash(id, await hashPassword(input.password as string, cost));
    res.status(204).end();
  });

  app.get('/v3/users/:user_id/projects', (req, res) => {
    const id = param(req, 'user_id');
    const user = backend.users.get(id);
    enforce('identity:list_user_projects', authenticate(req, ctx).caller, {
      userId: id,
      userDomainId: user?.domainId,
    });
    if (!user) throw notFound('user', id);
    const items = backend.assignments
      .projectIdsOf(id)
      .map((pid) => backend.projects.get(pid))
      .filter((p) => p !== undefined)
      .map((p) => renderProject(p, linker(req, ctx)));
    sendCollection(
      req,
      res,
      ctx,
      'projects',
      filterByQuery(req, items, ['name', 'domain_id', 'enabled']),
    );
  });
}
