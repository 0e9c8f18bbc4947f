/**
 * Keystone's default policy (keystone/common/policies/*, current defaults), as plain
 * functions: each action names who may do it, built from the same few checks Keystone's
 * rules use —
 *
 * - admin_required: the `admin` role, in any scope (Keystone's `role:admin`; a project-scoped
 *   admin is a cloud admin under the current defaults);
 * - system reader: `reader` on the system scope;
 * - domain reader: `reader` on a domain-scoped token for the target's domain;
 * - owner / token subject / project user: the caller is the target user, or is scoped to the
 *   target project;
 * - service: the `service` role (token validation only).
 *
 * Roles are the caller token's effective roles (implied roles included), so `admin` also
 * counts as `member` and `reader`. Domain managers and groups are not modelled.
 */
import { forbiddenAction } from './errors.js';

/** Who is asking: what their token says. */
export interface Caller {
  userId: string;
  userDomainId: string;
  roles: readonly string[];
  projectId?: string;
  projectDomainId?: string;
  domainId?: string;
  system: boolean;
}

/** What the action is about (only what the rule looks at). */
export interface Target {
  userId?: string;
  userDomainId?: string;
  projectId?: string;
  projectDomainId?: string;
  domainId?: string;
  /** The owner of an EC2 credential, or the user whose credentials are listed/created. */
  credentialUserId?: string;
  /** The user of the token being validated, checked or revoked. */
  tokenUserId?: string;
}

const has = (c: Caller, role: string): boolean => c.roles.includes(role);
const admin = (c: Caller): boolean => has(c, 'admin');
const systemReader = (c: Caller): boolean => c.system && has(c, 'reader');
const domainReader = (c: Caller, domainId: string | undefined): boolean =>
  domainId !== undefined && c.domainId === domainId && has(c, 'reader');
const adminOrSystemReader = (c: Caller): boolean => admin(c) || systemReader(c);

type Rule = (caller: Caller, target: Target) => boolean;

export const RULES = {
  'identity:get_domain': (c, t) =>
    adminOrSystemReader(c) ||
    (t.domainId !== undefined && (c.domainId === t.domainId || c.projectDomainId === t.domainId)),
  'identity:list_domains': adminOrSystemReader,
  'identity:create_domain': admin,
  'identity:update_domain': admin,
  'identity:delete_domain': admin,

  'identity:get_project': (c, t) =>
    adminOrSystemReader(c) ||
    domainReader(c, t.projectDomainId) ||
    (t.projectId !== undefined && c.projectId === t.projectId),
  'identity:list_projects': (c, t) => adminOrSystemReader(c) || domainReader(c, t.domainId),
  'identity:list_user_projects': (c, t) =>
    adminOrSystemReader(c) || domainReader(c, t.userDomainId) || c.userId === t.userId,
  'identity:create_project': admin,
  'identity:update_project': admin,
  'identity:delete_project': admin,

  'identity:get_user': (c, t) =>
    adminOrSystemReader(c) || domainReader(c, t.userDomainId) || c.userId === t.userId,
  'identity:list_users': (c, t) => adminOrSystemReader(c) || domainReader(c, t.domainId),
  'identity:create_user': admin,
  'identity:update_user': admin,
  'identity:delete_user': admin,

  'identity:get_role': adminOrSystemReader,
  'identity:list_roles': adminOrSystemReader,
  'identity:create_role': admin,
  'identity:update_role': admin,
  'identity:delete_role': admin,
  'identity:get_implied_role': adminOrSystemReader,
  'identity:list_implied_roles': adminOrSystemReader,
  'identity:list_role_inference_rules': adminOrSystemReader,
  'identity:create_implied_role': admin,
  'identity:delete_implied_role': admin,

  'identity:check_grant': (c, t) =>
    adminOrSystemReader(c) || domainReader(c, t.projectDomainId ?? t.domainId),
  'identity:list_grants': (c, t) =>
    adminOrSystemReader(c) || domainReader(c, t.projectDomainId ?? t.domainId),
  'identity:create_grant': admin,
  'identity:revoke_grant': admin,
  'identity:list_role_assignments': (c, t) => adminOrSystemReader(c) || domainReader(c, t.domainId),

  'identity:get_region': () => true,
  'identity:list_regions': () => true,
  'identity:create_region': admin,
  'identity:update_region': admin,
  'identity:delete_region': admin,
  'identity:get_service': adminOrSystemReader,
  'identity:list_services': adminOrSystemReader,
  'identity:create_service': admin,
  'identity:update_service': admin,
  'identity:delete_service': admin,
  'identity:get_endpoint': adminOrSystemReader,
  'identity:list_endpoints': adminOrSystemReader,
  'identity:create_endpoint': admin,
  'identity:update_endpoint': admin,
  'identity:delete_endpoint': admin,

  'identity:ec2_get_credential': (c, t) =>
    adminOrSystemReader(c) || c.userId === t.credentialUserId,
  'identity:ec2_list_credentials': (c, t) =>
    adminOrSystemReader(c) || c.userId === t.credentialUserId,
  'identity:ec2_create_credential': (c, t) => admin(c) || c.userId === t.credentialUserId,
  'identity:ec2_delete_credential': (c, t) => admin(c) || c.userId === t.credentialUserId,

  'identity:validate_token': (c, t) =>
    adminOrSystemReader(c) || has(c, 'service') || c.userId === t.tokenUserId,
  'identity:check_token': (c, t) => adminOrSystemReader(c) || c.userId === t.tokenUserId,
  'identity:revoke_token': (c, t) => admin(c) || c.userId === t.tokenUserId,

  'identity:get_auth_catalog': () => true,
  'identity:get_auth_projects': () => true,
  'identity:get_auth_domains': () => true,
  'identity:get_auth_system': () => true,
} satisfies Record<string, Rule>;

export type Action = keyof typeof RULES;

export function allowed(action: Action, caller: Caller, target: Target = {}): boolean {
  const rule: Rule = RULES[action];
  return rule(caller, target);
}

/** Throws Keystone's 403 ForbiddenAction unless the caller may do the action. */
export function enforce(action: Action, caller: Caller, target: Target = {}): void {
  if (!allowed(action, caller, target)) throw forbiddenAction(action);
}
