/**
 * Grants — `PUT/HEAD/GET/DELETE /v3/{projects|domains}/{id}/users/{user}/roles/{role}` and
 * `/v3/system/users/{user}/roles/{role}`, with their lists — and `GET /v3/role_assignments`
 * with its filters (`user.id`, `role.id`, `scope.project.id`, `scope.domain.id`,
 * `scope.system`, `effective`, `include_names`). Groups are not supported: a group grant
 * names a group that does not exist (404), and `group.id` filters match nothing.
 */
import type { Express, Request } from 'express';
import { KeystoneError, notFound } from '../errors.js';
import {
  authenticate,
  linker,
  param,
  query,
  sendCollection,
  v3Url,
  type ApiContext,
} from '../http.js';
import { enforce, type Target } from '../policy.js';
import { renderRole } from '../render.js';
import { queryBool } from '../validate.js';
import { SYSTEM_TARGET, type Assignment, type TargetType } from '../store/assignments.js';

export function assignmentRoutes(app: Express, ctx: ApiContext): void {
  const { backend } = ctx;

  /** Checks the grant's parts exist (404 for the first missing) and builds the policy target. */
  const grantTarget = (req: Request, type: TargetType): { targetId: string; target: Target } => {
    if (type === 'project') {
      const project = backend.projects.get(param(req, 'target_id'));
      return {
        targetId: param(req, 'target_id'),
        target: { projectId: param(req, 'target_id'), projectDomainId: project?.domainId },
      };
    }
    if (type === 'domain')
      return { targetId: param(req, 'target_id'), target: { domainId: param(req, 'target_id') } };
    return { targetId: SYSTEM_TARGET, target: {} };
  };

  const requireParts = (req: Request, type: TargetType, targetId: string): void => {
    backend.roles.require(param(req, 'role_id'));
    backend.users.require(param(req, 'user_id'));
    if (type === 'project') backend.projects.require(targetId);
    if (type === 'domain') backend.domains.require(targetId);
  };

  const routes: [TargetType, string][] = [
    ['project', '/v3/projects/:target_id/users/:user_id/roles'],
    ['domain', '/v3/domains/:target_id/users/:user_id/roles'],
    ['system', '/v3/system/users/:user_id/roles'],
  ];
  for (const [type, base] of routes) {
    app.put(`${base}/:role_id`, (req, res) => {
      const { targetId, target } = grantTarget(req, type);
      enforce('identity:create_grant', authenticate(req, ctx).caller, target);
      requireParts(req, type, targetId);
      backend.assignments.grant(type, targetId, param(req, 'user_id'), param(req, 'role_id'));
      res.status(204).end();
    });

    const check = (req: Request): void => {
      const { targetId, target } = grantTarget(req, type);
      enforce('identity:check_grant', authenticate(req, ctx).caller, target);
      requireParts(req, type, targetId);
      if (!backend.assignments.has(type, targetId, param(req, 'user_id'), param(req, 'role_id'))) {
        throw new KeystoneError(
          404,
          `Could not find role assignment with role: ${param(req, 'role_id')}, user or group: ${param(req, 'user_id')}, project, domain, or system: ${targetId}.`,
        );
      }
    };
    app.head(`${base}/:role_id`, (req, res) => {
      check(req);
      res.status(204).end();
    });
    app.get(`${base}/:role_id`, (req, res) => {
      check(req);
      res.status(204).end();
    });

    app.delete(`${base}/:role_id`, (req, res) => {
      const { targetId, target } = grantTarget(req, type);
      enforce('identity:revoke_grant', authenticate(req, ctx).caller, target);
      requireParts(req, type, targetId);
      backend.assignments.revoke(type, targetId, param(req, 'user_id'), param(req, 'role_id'));
      res.status(204).end();
    });

    app.get(base, (req, res) => {
      const { targetId, target } = grantTarget(req, type);
      enforce('identity:list_grants', authenticate(req, ctx).caller, target);
      backend.users.require(param(req, 'user_id'));
      if (type === 'project') backend.projects.require(targetId);
      if (type === 'domain') backend.domains.require(targetId);
      const roles = backend.assignments
        .roleIds(type, targetId, param(req, 'user_id'))
        .map((id) => backend.roles.get(id))
        .filter((r) => r !== undefined)
        .map((r) => renderRole(r, linker(req, ctx)));
      sendCollection(req, res, ctx, 'roles', roles);
    });
  }

  // Groups do not exist here; say so as Keystone would for an unknown group.
  for (const base of [
    '/v3/projects/:target_id/groups/:group_id',
    '/v3/domains/:target_id/groups/:group_id',
  ]) {
    app.all(`${base}/roles{/:role_id}`, (req) => {
      authenticate(req, ctx);
      throw notFound('group', param(req, 'group_id'));
    });
  }

  app.get('/v3/role_assignments', (req, res) => {
    const { caller } = authenticate(req, ctx);
    const projectId = query(req, 'scope.project.id');
    const domainId = query(req, 'scope.domain.id');
    const system = query(req, 'scope.system');
    enforce('identity:list_role_assignments', caller, { domainId });
    if (projectId !== undefined && domainId !== undefined) {
      throw new KeystoneError(400, 'Specify a domain or project, not both');
    }
    if (query(req, 'group.id') !== undefined) {
      sendCollection(req, res, ctx, 'role_assignments', []);
      return;
    }
    const effectiveParam = query(req, 'effective');
    const effective = effectiveParam !== undefined && queryBool(effectiveParam);
    const names = query(req, 'include_names');
    const includeNames = names !== undefined && queryBool(names);
    const roleFilter = query(req, 'role.id');
    const assignments = backend.assignments.list({
      userId: query(req, 'user.id'),
      ...(projectId !== undefined && { targetType: 'project' as const, targetId: projectId }),
      ...(domainId !== undefined && { targetType: 'domain' as const, targetId: domainId }),
      ...(system !== undefined && { targetType: 'system' as const, targetId: SYSTEM_TARGET }),
      // In effective mode the role filter applies after implied roles are expanded.
      ...(!effective && roleFilter !== undefined && { roleId: roleFilter }),
    });
    const entries: Record<string, unknown>[] = [];
    for (const assignment of assignments) {
      const link = assignmentLink(req, assignment);
      if (!effective) {
        entries.push(renderAssignment(assignment, { assignment: link }));
        continue;
      }
      const { roles, via } = backend.roles.expand([assignment.roleId]);
      for (const role of roles) {
        const prior = via.get(role.id);
        const links: Record<string, string> = { assignment: link };
        if (prior !== undefined)
          links.prior_role = v3Url(req, ctx, `roles/${prior}/implies/${role.id}`);
        entries.push(renderAssignment({ ...assignment, roleId: role.id }, links));
      }
    }
    const result =
      effective && roleFilter !== undefined
        ? entries.filter((e) => (e.role as { id: string }).id === roleFilter)
        : entries;
    sendCollection(req, res, ctx, 'role_assignments', result);

    function renderAssignment(
      a: Assignment,
      links: Record<string, string>,
    ): Record<string, unknown> {
      const role = backend.roles.get(a.roleId);
      const user = backend.users.get(a.userId);
      const userDomain = user && backend.domains.get(user.domainId);
      let scope: Record<string, unknown>;
      if (a.targetType === 'project') {
        const project = backend.projects.get(a.targetId);
        const projectDomain = project && backend.domains.get(project.domainId);
        scope = {
          project:
            includeNames && project && projectDomain
              ? {
                  id: a.targetId,
                  name: project.name,
                  domain: { id: projectDomain.id, name: projectDomain.name },
                }
              : { id: a.targetId },
        };
      } else if (a.targetType === 'domain') {
        const domain = backend.domains.get(a.targetId);
        scope = {
          domain:
            includeNames && domain ? { id: a.targetId, name: domain.name } : { id: a.targetId },
        };
      } else {
        scope = { system: { all: true } };
      }
      return {
        role: includeNames && role ? { id: a.roleId, name: role.name } : { id: a.roleId },
        user:
          includeNames && user && userDomain
            ? {
                id: a.userId,
                name: user.name,
                domain: { id: userDomain.id, name: userDomain.name },
              }
            : { id: a.userId },
        scope,
        links,
      };
    }
  });

  function assignmentLink(req: Request, a: Assignment): string {
    const path =
      a.targetType === 'project'
        ? `projects/${a.targetId}/users/${a.userId}/roles/${a.roleId}`
        : a.targetType === 'domain'
          ? `domains/${a.targetId}/users/${a.userId}/roles/${a.roleId}`
          : `system/users/${a.userId}/roles/${a.roleId}`;
    return v3Url(req, ctx, path);
  }
}
