/**
 * Who may do what with a Keystone identity: Swift's keystoneauth decisions
 * (swift/common/middleware/keystoneauth.py `authorize`), as pure functions of the identity,
 * the target and what the account and container say about access.
 *
 * Order, as Swift's: OPTIONS passes; the reseller admin role may do anything (as owner); a
 * system reader role may read anything; nobody else may DELETE an account; a container ACL
 * naming the user's `project:user` (ids, or names within the default domain, `*` for any)
 * grants; referrer ACLs grant reads; [Stratus] an account ACL naming the user grants its level;
 * an account of another project is refused; an operator role owns its project's account; a
 * project reader role reads it; a container ACL naming one of the user's roles grants.
 * Anything else is 403 (401 without an identity).
 */
import { parseAcl, referrerAllowed, type AccountAcls, type ParsedAcl } from '../acl.js';
import type { KeystoneIdentity } from './token.js';

export interface KeystoneRules {
  /** Account name prefixes, each ending with `_` (or empty). */
  resellerPrefixes: string[];
  /** Lower-case role names, per prefix. */
  operatorRoles: Record<string, string[]>;
  projectReaderRoles: Record<string, string[]>;
  resellerAdminRole: string;
  systemReaderRoles: string[];
  defaultDomainId: string;
  allowNamesInAcls: boolean;
}

/** What the account servers say about the target account (its cached HEAD). */
export interface AccountFacts {
  exists: boolean;
  /** `X-Account-Sysmeta-Project-Domain-Id`, when stored. */
  domainId?: string;
  acls?: AccountAcls;
}

export interface DecisionInput {
  method: string;
  account: string;
  container?: string;
  object?: string;
  /** The container ACL that applies: X-Container-Read for reads, X-Container-Write otherwise. */
  acl?: string;
  referer?: string;
  /** Known only when the filter read the account (not for the user's own account). */
  accountFacts?: AccountFacts;
}

export type Decision =
  { allow: true; owner: boolean; reason: string } | { allow: false; reason: string };

/** Swift stores this for accounts whose project's domain could not be told. */
export const UNKNOWN_DOMAIN_ID = '_unknown';

const READS = new Set(['GET', 'HEAD']);

/** The prefix an account name carries; non-empty prefixes are tried before an empty one. */
export function accountPrefix(rules: KeystoneRules, account: string): string | undefined {
  const named = rules.resellerPrefixes.find((p) => p !== '' && account.startsWith(p));
  if (named !== undefined) return named;
  return rules.resellerPrefixes.includes('') ? '' : undefined;
}

/** The account a project owns under the first prefix: `AUTH_<project id>`. */
export function projectAccount(rules: KeystoneRules, projectId: string): string {
  return `${rules.resellerPrefixes[0] ?? ''}${projectId}`;
}

export function accountMatchesProject(
  rules: KeystoneRules,
  account: string,
  projectId: string | undefined,
): boolean {
  if (projectId === undefined) return false;
  return rules.resellerPrefixes.some((p) => `${p}${projectId}` === account);
}

/**
 * The ACL entry granting this identity, if any: `<project>:<user>` where each side is the id,
 * `*`, or (when names are allowed) the name — Swift's _authorize_cross_tenant.
 */
export function crossProjectMatch(
  identity: KeystoneIdentity,
  grantees: readonly string[],
  allowNames: boolean,
): string | undefined {
  const projects = ['*', ...(identity.project ? [identity.project.id] : [])];
  const users = [identity.user.id, '*'];
  if (allowNames) {
    if (identity.project) projects.push(identity.project.name);
    users.push(identity.user.name);
  }
  for (const project of projects) {
    for (const user of users) {
      const entry = `${project}:${user}`;
      if (grantees.includes(entry)) return entry;
    }
  }
  return undefined;
}

/**
 * Names (not just ids) may match in ACLs only where they are unambiguous: user and project in
 * the default domain, and the account's project too (Swift's _is_name_allowed_in_acl).
 */
export function namesAllowed(
  rules: KeystoneRules,
  identity: KeystoneIdentity,
  account: string,
  facts: AccountFacts | undefined,
): boolean {
  if (!rules.allowNamesInAcls) return false;
  const userDomain = identity.user.domainId;
  if (userDomain !== undefined && userDomain !== rules.defaultDomainId) return false;
  const projectDomain = identity.project?.domainId;
  if (projectDomain !== undefined && projectDomain !== rules.defaultDomainId) return false;
  if (accountMatchesProject(rules, account, identity.project?.id)) return true;
  // An account created before domains were recorded (no domain stored) counts as default.
  return (
    facts !== undefined &&
    facts.exists &&
    (facts.domainId === undefined || facts.domainId === rules.defaultDomainId)
  );
}

/**
 * The project domain id to record on the account (system metadata) when this request may
 * create or update it — Swift's _set_project_domain_id, so later name-based ACLs can be judged.
 */
export function projectDomainToRecord(
  rules: KeystoneRules,
  identity: KeystoneIdentity,
  input: Pick<DecisionInput, 'method' | 'account' | 'container' | 'object'>,
  facts: AccountFacts | undefined,
  warn: (message: string) => void = () => undefined,
): string | undefined {
  const { method, container, object } = input;
  if (object !== undefined || (container !== undefined && method !== 'PUT')) return undefined;
  if (method !== 'PUT' && method !== 'POST') return undefined;
  if (!facts) return undefined;
  const own = accountMatchesProject(rules, input.account, identity.project?.id);
  const given = own ? identity.project?.domainId : undefined;
  if (!facts.exists) return own ? given : UNKNOWN_DOMAIN_ID;
  if (facts.domainId === undefined && given === rules.defaultDomainId) return given;
  if (facts.domainId === UNKNOWN_DOMAIN_ID && own) return given ?? '';
  if (own && given !== undefined && facts.domainId !== given)
    warn(`inconsistent project domain id: ${given} in token, ${facts.domainId} on account`);
  return undefined;
}

function hasAny(roles: readonly string[], wanted: readonly string[] | undefined): string[] {
  return roles.filter((role) => wanted?.includes(role));
}

/** Referrer ACLs (`.r:`): true grants, false refuses outright, undefined decides nothing. */
function referrerDecision(input: DecisionInput, acl: ParsedAcl): boolean | undefined {
  if (!referrerAllowed(acl.referrers, input.referer)) return undefined;
  return input.object !== undefined || acl.listings;
}

/** What an account ACL lets this request do (tempauth's levels); admins act as owners. */
function accountAclDecision(
  input: DecisionInput,
  acls: AccountAcls,
  names: (entries: string[]) => boolean,
): Decision | undefined {
  const level = names(acls.admin)
    ? 'admin'
    : names(acls['read-write'])
      ? 'read-write'
      : names(acls['read-only'])
        ? 'read-only'
        : undefined;
  const reading = READS.has(input.method);
  const accountItself = input.container === undefined;
  // Admins do everything in the account but create or delete it (resellers do that).
  if (level === 'admin' && !(accountItself && input.method === 'PUT'))
    return { allow: true, owner: true, reason: 'account ACL admin' };
  if (level === 'read-write' && (!accountItself || reading))
    return { allow: true, owner: false, reason: 'account ACL read-write' };
  if (level === 'read-only' && reading)
    return { allow: true, owner: false, reason: 'account ACL read-only' };
  return undefined;
}

/** The decision for a request carrying a valid Keystone token. */
export function decide(
  rules: KeystoneRules,
  identity: KeystoneIdentity,
  input: DecisionInput,
): Decision {
  if (input.method === 'OPTIONS') return { allow: true, owner: false, reason: 'OPTIONS' };
  const roles = identity.roles.map((role) => role.toLowerCase());
  if (roles.includes(rules.resellerAdminRole))
    return { allow: true, owner: true, reason: 'reseller admin' };
  if (hasAny(roles, rules.systemReaderRoles).length > 0 && READS.has(input.method))
    return { allow: true, owner: false, reason: 'system reader' };
  if (input.container === undefined && input.method === 'DELETE')
    return { allow: false, reason: 'only a reseller admin may delete an account' };

  const acl = parseAcl(input.acl);
  let names: boolean | undefined;
  const allowNames = () =>
    (names ??= namesAllowed(rules, identity, input.account, input.accountFacts));
  if (input.container !== undefined && acl.groups.length > 0) {
    const entry = crossProjectMatch(identity, acl.groups, allowNames());
    if (entry !== undefined) return { allow: true, owner: false, reason: `container ACL ${entry}` };
  }
  const byReferrer = input.container === undefined ? undefined : referrerDecision(input, acl);
  if (byReferrer === true) return { allow: true, owner: false, reason: 'referrer ACL' };

  const acls = input.accountFacts?.acls;
  if (acls) {
    const granted = accountAclDecision(
      input,
      acls,
      (entries) => crossProjectMatch(identity, entries, allowNames()) !== undefined,
    );
    if (granted) return granted;
  }

  if (!accountMatchesProject(rules, input.account, identity.project?.id))
    return { allow: false, reason: 'account of another project' };
  const prefix = accountPrefix(rules, input.account) ?? '';
  const operator = hasAny(roles, rules.operatorRoles[prefix]);
  if (operator.length > 0)
    return { allow: true, owner: true, reason: `operator role ${operator.join(',')}` };
  const reader = hasAny(roles, rules.projectReaderRoles[prefix]);
  if (reader.length > 0 && READS.has(input.method))
    return { allow: true, owner: false, reason: `project reader role ${reader.join(',')}` };
  if (byReferrer === false) return { allow: false, reason: 'referrer ACL without listings' };
  if (input.container !== undefined) {
    const aclRoles = acl.groups.map((group) => group.toLowerCase());
    const role = roles.find((r) => aclRoles.includes(r));
    if (role !== undefined)
      return { allow: true, owner: false, reason: `container ACL role ${role}` };
  }
  return { allow: false, reason: 'no role or ACL grants this' };
}

/** The decision for a request without a (valid) token: referrer ACLs only. */
export function decideAnonymous(rules: KeystoneRules, input: DecisionInput): Decision {
  if (input.method === 'OPTIONS') return { allow: true, owner: false, reason: 'OPTIONS' };
  if (accountPrefix(rules, input.account) === undefined)
    return { allow: false, reason: 'not an account of this auth system' };
  if (input.container !== undefined && referrerDecision(input, parseAcl(input.acl)) === true)
    return { allow: true, owner: false, reason: 'referrer ACL' };
  return { allow: false, reason: 'anonymous' };
}
