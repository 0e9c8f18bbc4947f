/** /v3/domains and /v3/projects: Keystone's resource API. */
import type { Express } from 'express';
import { KeystoneError, notFound, validationError } from '../errors.js';
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
import { enforce } from '../policy.js';
import { renderDomain, renderProject } from '../render.js';
import { bodyMember, extraOf, validateEntity, type FieldSpec } from '../validate.js';

const DOMAIN_FIELDS: Record<string, FieldSpec> = {
  name: { type: 'string', minLength: 1, maxLength: 64 },
  description: { type: 'nullable-string' },
  enabled: { type: 'boolean' },
  tags: { type: 'array' },
  explicit_domain_id: { type: 'string' },
};
const DOMAIN_KNOWN = ['id', 'name', 'description', 'enabled', 'options', 'explicit_domain_id'];

const PROJECT_FIELDS: Record<string, FieldSpec> = {
  name: { type: 'string', minLength: 1, maxLength: 64 },
  description: { type: 'nullable-string' },
  enabled: { type: 'boolean' },
  domain_id: { type: 'nullable-string' },
  parent_id: { type: 'nullable-string' },
  is_domain: { type: 'boolean' },
  tags: { type: 'array' },
};
const PROJECT_KNOWN = [
  'id',
  'name',
  'description',
  'enabled',
  'domain_id',
  'parent_id',
  'is_domain',
  'options',
];

export function resourceRoutes(app: Express, ctx: ApiContext): void {
  const { backend } = ctx;

  // --- domains ---------------------------------------------------------------------------

  app.get('/v3/domains', (req, res) => {
    enforce('identity:list_domains', authenticate(req, ctx).caller);
    const items = backend.domains.list().map((d) => renderDomain(d, linker(req, ctx)));
    sendCollection(req, res, ctx, 'domains', filterByQuery(req, items, ['name', 'enabled']));
  });

  app.post('/v3/domains', (req, res) => {
    enforce('identity:create_domain', authenticate(req, ctx).caller);
    const input = bodyMember(body(req), 'domain');
    validateEntity(input, DOMAIN_FIELDS, ['name']);
    const domain = backend.domains.create({
      id: typeof input.explicit_domain_id === 'string' ? input.explicit_domain_id : undefined,
      name: input.name as string,
      description: (input.description as string | null | undefined) ?? '',
      enabled: input.enabled !== false,
      extra: extraOf(input, DOMAIN_KNOWN),
    });
    res.status(201).json({ domain: renderDomain(domain, linker(req, ctx)) });
  });

  app.get('/v3/domains/:domain_id', (req, res) => {
    const id = param(req, 'domain_id');
    enforce('identity:get_domain', authenticate(req, ctx).caller, { domainId: id });
    res.status(200).json({ domain: renderDomain(backend.domains.require(id), linker(req, ctx)) });
  });

  app.patch('/v3/domains/:domain_id', (req, res) => {
    const id = param(req, 'domain_id');
    enforce('identity:update_domain', authenticate(req, ctx).caller, { domainId: id });
    const input = bodyMember(body(req), 'domain');
    validateEntity(input, DOMAIN_FIELDS);
    if ('id' in input && input.id !== id) throw new KeystoneError(400, 'Cannot change ID');
    const current = backend.domains.require(id);
    const domain = backend.domains.update(id, {
      ...(typeof input.name === 'string' && { name: input.name }),
      ...('description' in input && { description: (input.description as string | null) ?? '' }),
      ...(typeof input.enabled === 'boolean' && { enabled: input.enabled }),
      extra: { ...current.extra, ...extraOf(input, DOMAIN_KNOWN) },
    });
    // A disabled domain's tokens stop validating at once (token-model.ts checks the domain).
    res.status(200).json({ domain: renderDomain(domain, linker(req, ctx)) });
  });

  app.delete('/v3/domains/:domain_id', (req, res) => {
    const id = param(req, 'domain_id');
    enforce('identity:delete_domain', authenticate(req, ctx).caller, { domainId: id });
    backend.domains.delete(id);
    res.status(204).end();
  });

  // --- projects --------------------------------------------------------------------------

  app.get('/v3/projects', (req, res) => {
    enforce('identity:list_projects', authenticate(req, ctx).caller, {
      domainId: query(req, 'domain_id'),
    });
    const items = backend.projects.list().map((p) => renderProject(p, linker(req, ctx)));
    sendCollection(
      req,
      res,
      ctx,
      'projects',
      filterByQuery(req, items, ['name', 'domain_id', 'enabled', 'parent_id', 'is_domain']),
    );
  });

  app.post('/v3/projects', (req, res) => {
    const { caller, token } = authenticate(req, ctx);
    const input = bodyMember(body(req), 'project');
    validateEntity(input, PROJECT_FIELDS, ['name']);
    if (input.is_domain === true) {
      throw new KeystoneError(501, 'The action you have requested has not been implemented.');
    }
    const parent =
      typeof input.parent_id === 'string' && input.parent_id !== ''
        ? backend.projects.get(input.parent_id)
        : undefined;
    // Keystone's default: the parent's domain, else the token's domain, else the default one.
    const domainId =
      (typeof input.domain_id === 'string' && input.domain_id) ||
      parent?.domainId ||
      token.domain?.id ||
      backend.settings.defaultDomainId;
    enforce('identity:create_project', caller, { domainId, projectDomainId: domainId });
    const domain = backend.domains.require(domainId);
    if (
      typeof input.parent_id === 'string' &&
      input.parent_id !== '' &&
      input.parent_id !== domain.id
    ) {
      if (!parent) throw notFound('project', input.parent_id);
      if (parent.domainId !== domain.id) {
        throw validationError('parent project in the same domain', 'project');
      }
    }
    const project = backend.projects.create({
      name: input.name as string,
      domainId: domain.id,
      parentId: parent?.id ?? domain.id,
      description: (input.description as string | null | undefined) ?? '',
      enabled: input.enabled !== false,
      extra: extraOf(input, PROJECT_KNOWN),
    });
    res.status(201).json({ project: renderProject(project, linker(req, ctx)) });
  });

  app.get('/v3/projects/:project_id', (req, res) => {
    const id = param(req, 'project_id');
    const project = backend.projects.get(id);
    enforce('identity:get_project', authenticate(req, ctx).caller, {
      projectId: id,
      projectDomainId: project?.domainId,
    });
    if (!project) throw notFound('project', id);
    res.status(200).json({ project: renderProject(project, linker(req, ctx)) });
  });

  app.patch('/v3/projects/:project_id', (req, res) => {
    const id = param(req, 'project_id');
    const current = backend.projects.get(id);
    enforce('identity:update_project', authenticate(req, ctx).caller, {
      projectId: id,
      projectDomainId: current?.domainId,
    });
    if (!current) throw notFound('project', id);
    const input = bodyMember(body(req), 'project');
    validateEntity(input, PROJECT_FIELDS);
    if ('id' in input && input.id !== id) throw new KeystoneError(400, 'Cannot change ID');
    if ('domain_id' in input && input.domain_id !== current.domainId) {
      throw new KeystoneError(400, 'Update of `domain_id` is not allowed.');
    }
    if ('parent_id' in input && input.parent_id !== current.parentId) {
      throw new KeystoneError(403, 'Update of `parent_id` is not allowed.');
    }
    const project = backend.projects.update(id, {
      ...(typeof input.name === 'string' && { name: input.name }),
      ...('description' in input && { description: (input.description as string | null) ?? '' }),
      ...(typeof input.enabled === 'boolean' && { enabled: input.enabled }),
      extra: { ...current.extra, ...extraOf(input, PROJECT_KNOWN) },
    });
    res.status(200).json({ project: renderProject(project, linker(req, ctx)) });
  });

  app.delete('/v3/projects/:project_id', (req, res) => {
    const id = param(req, 'project_id');
    const current = backend.projects.get(id);
    enforce('identity:delete_project', authenticate(req, ctx).caller, {
      projectId: id,
      projectDomainId: current?.domainId,
    });
    backend.projects.delete(id);
    res.status(204).end();
  });
}
