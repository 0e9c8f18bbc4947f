/** /v3/roles, their inference rules (/v3/roles/{prior}/implies/{implied}) and /v3/role_inferences. */
import type { Express, Request } from 'express';
import { KeystoneError } from '../errors.js';
import {
  authenticate,
  body,
  filterByQuery,
  linker,
  param,
  sendCollection,
  v3Url,
  type ApiContext,
} from '../http.js';
import { enforce } from '../policy.js';
import { renderRole, renderRoleRef } from '../render.js';
import { bodyMember, extraOf, validateEntity, type FieldSpec } from '../validate.js';

const ROLE_FIELDS: Record<string, FieldSpec> = {
  name: { type: 'string', minLength: 1, maxLength: 255 },
  domain_id: { type: 'nullable-string' },
  description: { type: 'nullable-string' },
};
const ROLE_KNOWN = ['id', 'name', 'domain_id', 'description', 'options'];

export function roleRoutes(app: Express, ctx: ApiContext): void {
  const { backend } = ctx;

  app.get('/v3/roles', (req, res) => {
    enforce('identity:list_roles', authenticate(req, ctx).caller);
    const items = backend.roles.list().map((r) => renderRole(r, linker(req, ctx)));
    sendCollection(req, res, ctx, 'roles', filterByQuery(req, items, ['name', 'domain_id']));
  });

  app.post('/v3/roles', (req, res) => {
    enforce('identity:create_role', authenticate(req, ctx).caller);
    const input = bodyMember(body(req), 'role');
    validateEntity(input, ROLE_FIELDS, ['name']);
    const domainId = (input.domain_id as string | null | undefined) ?? null;
    if (domainId !== null) backend.domains.require(domainId);
    const role = backend.roles.create({
      name: input.name as string,
      domainId,
      description: (input.description as string | null | undefined) ?? '',
      extra: extraOf(input, ROLE_KNOWN),
    });
    res.status(201).json({ role: renderRole(role, linker(req, ctx)) });
  });

  app.get('/v3/roles/:role_id', (req, res) => {
    enforce('identity:get_role', authenticate(req, ctx).caller);
    res
      .status(200)
      .json({ role: renderRole(backend.roles.require(param(req, 'role_id')), linker(req, ctx)) });
  });

  app.patch('/v3/roles/:role_id', (req, res) => {
    enforce('identity:update_role', authenticate(req, ctx).caller);
    const id = param(req, 'role_id');
    const current = backend.roles.require(id);
    const input = bodyMember(body(req), 'role');
    validateEntity(input, ROLE_FIELDS);
    if ('id' in input && input.id !== id) throw new KeystoneError(400, 'Cannot change ID');
    if ('domain_id' in input && input.domain_id !== current.domainId) {
      throw new KeystoneError(400, 'Update of `domain_id` is not allowed.');
    }
    const role = backend.roles.update(id, {
      ...(typeof input.name === 'string' && { name: input.name }),
      ...('description' in input && { description: (input.description as string | null) ?? '' }),
      extra: { ...current.extra, ...extraOf(input, ROLE_KNOWN) },
    });
    res.status(200).json({ role: renderRole(role, linker(req, ctx)) });
  });

  app.delete('/v3/roles/:role_id', (req, res) => {
    enforce('identity:delete_role', authenticate(req, ctx).caller);
    backend.roles.delete(param(req, 'role_id'));
    res.status(204).end();
  });

  // --- inference rules -------------------------------------------------------------------

  const inferenceLink = (req: Request, prior: string, implied?: string): string =>
    v3Url(req, ctx, `roles/${prior}/implies${implied ? `/${implied}` : ''}`);

  app.get('/v3/roles/:prior/implies', (req, res) => {
    enforce('identity:list_implied_roles', authenticate(req, ctx).caller);
    const prior = backend.roles.require(param(req, 'prior'));
    const link = linker(req, ctx);
    res.status(200).json({
      role_inference: {
        prior_role: renderRoleRef(prior, link),
        implies: backend.roles.impliedBy(prior.id).map((r) => renderRoleRef(r, link)),
      },
      links: { self: inferenceLink(req, prior.id) },
    });
  });

  app.put('/v3/roles/:prior/implies/:implied', (req, res) => {
    enforce('identity:create_implied_role', authenticate(req, ctx).caller);
    const prior = param(req, 'prior');
    const implied = param(req, 'implied');
    backend.roles.addImplication(prior, implied);
    const link = linker(req, ctx);
    res.status(201).json({
      role_inference: {
        prior_role: renderRoleRef(backend.roles.require(prior), link),
        implies: renderRoleRef(backend.roles.require(implied), link),
      },
      links: { self: inferenceLink(req, prior, implied) },
    });
  });

  const checkRule = (req: Request): { prior: string; implied: string } => {
    enforce('identity:get_implied_role', authenticate(req, ctx).caller);
    const prior = param(req, 'prior');
    const implied = param(req, 'implied');
    backend.roles.require(prior);
    backend.roles.require(implied);
    if (!backend.roles.implies(prior, implied)) {
      throw new KeystoneError(404, `${prior} does not imply ${implied}.`);
    }
    return { prior, implied };
  };

  app.head('/v3/roles/:prior/implies/:implied', (req, res) => {
    checkRule(req);
    res.status(204).end();
  });

  app.get('/v3/roles/:prior/implies/:implied', (req, res) => {
    const { prior, implied } = checkRule(req);
    const link = linker(req, ctx);
    res.status(200).json({
      role_inference: {
        prior_role: renderRoleRef(backend.roles.require(prior), link),
        implies: renderRoleRef(backend.roles.require(implied), link),
      },
      links: { self: inferenceLink(req, prior, implied) },
    });
  });

  app.delete('/v3/roles/:prior/implies/:implied', (req, res) => {
    enforce('identity:delete_implied_role', authenticate(req, ctx).caller);
    const prior = param(req, 'prior');
    const implied = param(req, 'implied');
    backend.roles.require(prior);
    backend.roles.require(implied);
    backend.roles.removeImplication(prior, implied);
    res.status(204).end();
  });

  app.get('/v3/role_inferences', (req, res) => {
    enforce('identity:list_role_inference_rules', authenticate(req, ctx).caller);
    const link = linker(req, ctx);
    const rules = backend.roles.rules().map((rule) => ({
      prior_role: renderRoleRef(rule.prior, link),
      implies: rule.implies.map((r) => renderRoleRef(r, link)),
    }));
    sendCollection(req, res, ctx, 'role_inferences', rules);
  });
}
