/**
 * /v3/auth: issue (POST), validate (GET), check (HEAD) and revoke (DELETE) tokens, and what a
 * token may see: its catalog, and the projects, domains and system scope its user can use.
 */
import type { Express, Request } from 'express';
import { issueToken } from '../authenticate.js';
import { forbidden, KeystoneError, notFound } from '../errors.js';
import {
  authenticate,
  body,
  linker,
  query,
  sendCollection,
  v3Url,
  type ApiContext,
} from '../http.js';
import { enforce } from '../policy.js';
import { renderDomain, renderProject } from '../render.js';
import { SYSTEM_TARGET } from '../store/assignments.js';
import { renderToken, resolveToken } from '../token-model.js';
import { queryBool } from '../validate.js';

/** X-Subject-Token, or Keystone's 404 when it is missing. */
function subjectTokenId(req: Request): string {
  const header = req.headers['x-subject-token'];
  const id = Array.isArray(header) ? header[0] : header;
  if (!id) throw new KeystoneError(404, 'Failed to validate token');
  return id;
}

export function authRoutes(app: Express, ctx: ApiContext): void {
  const { backend } = ctx;

  app.post('/v3/auth/tokens', async (req, res) => {
    const { id, token } = await issueToken(backend, body(req).auth);
    res
      .status(201)
      .set('X-Subject-Token', id)
      .json(renderToken(backend, token, query(req, 'nocatalog') === undefined));
  });

  // GET validates; HEAD (answered by the same route, without the body) checks.
  app.get('/v3/auth/tokens', (req, res) => {
    const { caller } = authenticate(req, ctx);
    const id = subjectTokenId(req);
    const subject = resolveToken(backend, id);
    // As in Keystone, the policy looks at the subject token first: a user asking about a
    // token that is not (or no longer) theirs is refused before learning whether it exists.
    enforce(req.method === 'HEAD' ? 'identity:check_token' : 'identity:validate_token', caller, {
      tokenUserId: subject?.user.id,
    });
    if (!subject) throw notFound('token', id);
    res
      .status(200)
      .set('X-Subject-Token', id)
      .json(renderToken(backend, subject, query(req, 'nocatalog') === undefined));
  });

  app.delete('/v3/auth/tokens', (req, res) => {
    const { caller } = authenticate(req, ctx);
    const id = subjectTokenId(req);
    const subject = resolveToken(backend, id);
    enforce('identity:revoke_token', caller, { tokenUserId: subject?.user.id });
    if (!subject) throw notFound('token', id);
    const cascade = query(req, 'cascade');
    backend.tokens.revoke(id, cascade === undefined ? true : queryBool(cascade));
    res.status(204).end();
  });

  app.get('/v3/auth/catalog', (req, res) => {
    const { caller, token } = authenticate(req, ctx);
    enforce('identity:get_auth_catalog', caller);
    if (!token.project) {
      throw forbidden('A project-scoped token is required to produce a service catalog.');
    }
    res.status(200).json({
      catalog: backend.catalog.catalogFor({ userId: token.user.id, projectId: token.project.id }),
      links: { self: v3Url(req, ctx, 'auth/catalog') },
    });
  });

  app.get('/v3/auth/projects', (req, res) => {
    const { caller, token } = authenticate(req, ctx);
    enforce('identity:get_auth_projects', caller);
    const projects = backend.assignments
      .projectIdsOf(token.user.id)
      .map((id) => backend.projects.get(id))
      .filter((p) => p !== undefined && p.enabled && backend.domains.get(p.domainId)?.enabled)
      .map((p) => renderProject(p!, linker(req, ctx)));
    sendCollection(req, res, ctx, 'projects', projects);
  });

  app.get('/v3/auth/domains', (req, res) => {
    const { caller, token } = authenticate(req, ctx);
    enforce('identity:get_auth_domains', caller);
    const domains = backend.assignments
      .domainIdsOf(token.user.id)
      .map((id) => backend.domains.get(id))
      .filter((d) => d !== undefined && d.enabled)
      .map((d) => renderDomain(d!, linker(req, ctx)));
    sendCollection(req, res, ctx, 'domains', domains);
  });

  app.get('/v3/auth/system', (req, res) => {
    const { caller, token } = authenticate(req, ctx);
    enforce('identity:get_auth_system', caller);
    const held = backend.assignments.roleIds('system', SYSTEM_TARGET, token.user.id).length > 0;
    res.status(200).json({
      system: held ? [{ all: true }] : [],
      links: { self: v3Url(req, ctx, 'auth/system') },
    });
  });
}
