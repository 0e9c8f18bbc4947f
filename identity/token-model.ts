/**
 * A token as the API sees it: the stored record brought to life against the current state of
 * the database. A token is valid only while it exists, has not expired, its user and the
 * user's domain are enabled, its project or domain (and that one's domain) exists and is
 * enabled, and the user still holds a role there. Roles (implied ones expanded) and the
 * catalog are computed here, at every validation, as Keystone computes them for Fernet tokens.
 */
import type { Backend } from './backend.js';
import type { Caller } from './policy.js';
import type { CatalogEntry } from './store/catalog.js';
import { SYSTEM_TARGET, type TargetType } from './store/assignments.js';
import type { Domain, Project } from './store/resources.js';
import type { Role } from './store/roles.js';
import type { TokenRecord } from './store/tokens.js';
import type { User } from './store/users.js';

export interface ValidToken {
  id: string;
  record: TokenRecord;
  user: User;
  userDomain: Domain;
  project?: Project;
  projectDomain?: Domain;
  domain?: Domain;
  system: boolean;
  /** Effective roles: the ones held on the scope and every role they imply. */
  roles: Role[];
}

/** The effective (implied-expanded, global) roles of a user on a scope. */
export function effectiveRoles(
  backend: Backend,
  userId: string,
  targetType: TargetType,
  targetId: string,
): Role[] {
  const direct = backend.assignments.roleIds(targetType, targetId, userId);
  // Domain-specific roles only carry the global roles they imply into a token, as in Keystone.
  return backend.roles.expand(direct).roles.filter((role) => role.domainId === null);
}

/** The scope's roles, or undefined when the scope (or the user's access to it) is gone. */
export function scopeRoles(
  backend: Backend,
  userId: string,
  scope: { projectId?: string; domainId?: string; system?: boolean },
): { roles: Role[]; project?: Project; projectDomain?: Domain; domain?: Domain } | undefined {
  if (scope.projectId !== undefined) {
    const project = backend.projects.get(scope.projectId);
    const projectDomain = project && backend.domains.get(project.domainId);
    if (!project?.enabled || !projectDomain?.enabled) return undefined;
    const roles = effectiveRoles(backend, userId, 'project', project.id);
    return roles.length > 0 ? { roles, project, projectDomain } : undefined;
  }
  if (scope.domainId !== undefined) {
    const domain = backend.domains.get(scope.domainId);
    if (!domain?.enabled) return undefined;
    const roles = effectiveRoles(backend, userId, 'domain', domain.id);
    return roles.length > 0 ? { roles, domain } : undefined;
  }
  if (scope.system) {
    const roles = effectiveRoles(backend, userId, 'system', SYSTEM_TARGET);
    return roles.length > 0 ? { roles } : undefined;
  }
  return { roles: [] };
}

/** The token if it is valid now, otherwise undefined (whatever the reason). */
export function resolveToken(
  backend: Backend,
  id: string,
  now = Date.now(),
): ValidToken | undefined {
  const record = backend.tokens.find(id, now);
  if (!record) return undefined;
  const user = backend.users.get(record.userId);
  const userDomain = user && backend.domains.get(user.domainId);
  if (!user?.enabled || !userDomain?.enabled) return undefined;
  const scope = scopeRoles(backend, user.id, record);
  if (!scope) return undefined;
  return { id, record, user, userDomain, system: record.system === true, ...scope };
}

/** The policy's view of a token. */
export function callerOf(token: ValidToken): Caller {
  return {
    userId: token.user.id,
    userDomainId: token.user.domainId,
    roles: token.roles.map((r) => r.name),
    projectId: token.project?.id,
    projectDomainId: token.project?.domainId,
    domainId: token.domain?.id,
    system: token.system,
  };
}

/** Keystone's timestamps: ISO 8601 in UTC with microseconds, `2015-11-07T02:58:43.578000Z`. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export interface TokenBody {
  token: Record<string, unknown>;
}

/** Keystone's token body (keystone/common/render_token.py). */
export function renderToken(
  backend: Backend,
  token: ValidToken,
  includeCatalog: boolean,
): TokenBody {
  const body: Record<string, unknown> = {
    methods: token.record.methods,
    user: {
      domain: { id: token.userDomain.id, name: token.userDomain.name },
      id: token.user.id,
      name: token.user.name,
      password_expires_at: null,
    },
    audit_ids:
      token.record.auditChainId === token.record.auditId
        ? [token.record.auditId]
        : [token.record.auditId, token.record.auditChainId],
    expires_at: isoTime(token.record.expiresAt),
    issued_at: isoTime(token.record.issuedAt),
  };
  const roles = token.roles.map((r) => ({ id: r.id, name: r.name }));
  if (token.system) {
    body.roles = roles;
    body.system = { all: true };
  } else if (token.domain) {
    body.domain = { id: token.domain.id, name: token.domain.name };
    body.roles = roles;
  } else if (token.project && token.projectDomain) {
    body.project = {
      domain: { id: token.projectDomain.id, name: token.projectDomain.name },
      id: token.project.id,
      name: token.project.name,
    };
    body.is_domain = false;
    body.roles = roles;
  }
  const scoped = token.system || token.domain !== undefined || token.project !== undefined;
  if (includeCatalog && scoped) {
    const catalog: CatalogEntry[] = backend.catalog.catalogFor({
      userId: token.user.id,
      projectId: token.project?.id,
    });
    body.catalog = catalog;
  }
  return { token: body };
}
