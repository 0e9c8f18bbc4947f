/**
 * POST /v3/auth/tokens: Keystone's authentication, in Keystone's order and with its errors
 * (keystone/auth/schema.py, keystone/auth/core.py, keystone/auth/plugins/*,
 * keystone/api/_shared/authentication.py):
 *
 * 1. the body's shape (schema): 400 with the field at fault;
 * 2. every listed method has its payload (400), and is one we support (401 naming ours);
 * 3. the scope — project (id, or name + domain id or name), domain, system, or unscoped — is
 *    looked up: unknown or disabled is 401, a project name without a domain is 400;
 * 4. the methods authenticate: `password` (user by id, or name + domain) and `token`
 *    (rescoping keeps the first token's expiry and audit chain; an invalid token is 404);
 *    unknown or disabled users and wrong passwords are all the same 401;
 * 5. with no scope asked for, the user's default project is used when it is usable;
 * 6. a scoped token needs at least one role on its scope (401 otherwise).
 */
import type { Backend } from './backend.js';
import {
  forbiddenAction,
  KeystoneError,
  methodNotSupported,
  notFound,
  schemaError,
  unauthorized,
  validationError,
} from './errors.js';
import { verifyNothing, verifyPassword } from './passwords.js';
import type { Domain, Project } from './store/resources.js';
import { newAuditId, type TokenScope } from './store/tokens.js';
import type { User } from './store/users.js';
import { resolveToken, scopeRoles, type ValidToken } from './token-model.js';

export const SUPPORTED_METHODS = ['password', 'token'] as const;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** jsonschema's wording, with Keystone's "Invalid input for field '<path>'" prefix. */
function fieldError(path: string[], message: string): KeystoneError {
  return schemaError(
    path.length === 0 ? message : `Invalid input for field '${path.join('/')}': ${message}`,
  );
}

const typeName = (value: unknown): string => JSON.stringify(value) ?? String(value);

function expectObject(value: unknown, path: string[]): Json {
  if (!isObject(value)) throw fieldError(path, `${typeName(value)} is not of type 'object'`);
  return value;
}

function expectStrings(object: Json, keys: string[], path: string[]): void {
  for (const key of keys) {
    if (key in object && typeof object[key] !== 'string') {
      throw fieldError([...path, key], `${typeName(object[key])} is not of type 'string'`);
    }
  }
}

function checkNameOrId(object: Json, path: string[]): void {
  expectStrings(object, ['id', 'name'], path);
  if (!('id' in object) && !('name' in object)) {
    throw schemaError(`Invalid input for field ${path.join('/')}: id or name must be present.`);
  }
}

/** keystone/auth/schema.py token_issue plus validate_issue_token_auth. */
export function validateAuthSchema(auth: unknown): void {
  if (auth === undefined || auth === null) return;
  expectObject(auth, []);
  const a = auth as Json;
  if (!('identity' in a)) throw fieldError([], "'identity' is a required property");
  const identity = expectObject(a.identity, ['identity']);
  if (!('methods' in identity)) throw fieldError(['identity'], "'methods' is a required property");
  if (!Array.isArray(identity.methods)) {
    throw fieldError(
      ['identity', 'methods'],
      `${typeName(identity.methods)} is not of type 'array'`,
    );
  }
  identity.methods.forEach((method: unknown, index) => {
    if (typeof method !== 'string') {
      throw fieldError(
        ['identity', 'methods', String(index)],
        `${typeName(method)} is not of type 'string'`,
      );
    }
  });
  if ('password' in identity) {
    const password = expectObject(identity.password, ['identity', 'password']);
    if ('user' in password) {
      const user = expectObject(password.user, ['identity', 'password', 'user']);
      expectStrings(user, ['password'], ['identity', 'password', 'user']);
      checkNameOrId(user, ['identity', 'password', 'user']);
      if ('domain' in user) {
        const domain = expectObject(user.domain, ['identity', 'password', 'user', 'domain']);
        checkNameOrId(domain, ['identity', 'password', 'user', 'domain']);
      }
    }
  }
  if ('token' in identity) {
    const token = expectObject(identity.token, ['identity', 'token']);
    if (!('id' in token)) throw fieldError(['identity', 'token'], "'id' is a required property");
    expectStrings(token, ['id'], ['identity', 'token']);
  }
  if ('scope' in a) {
    const scope = a.scope;
    if (typeof scope === 'string') return;
    expectObject(scope, ['scope']);
    const s = scope as Json;
    if ('project' in s) {
      const project = expectObject(s.project, ['scope', 'project']);
      checkNameOrId(project, ['scope', 'project']);
      if ('domain' in project) {
        checkNameOrId(expectObject(project.domain, ['scope', 'project', 'domain']), [
          'scope',
          'project',
          'domain',
        ]);
      }
    }
    if ('domain' in s)
      checkNameOrId(expectObject(s.domain, ['scope', 'domain']), ['scope', 'domain']);
    if ('system' in s) expectObject(s.system, ['scope', 'system']);
  }
}

/** The scope a request asks for; undefined fields mean "none asked". */
interface RequestedScope {
  explicit: boolean;
  unscoped: boolean;
  project?: Project;
  domain?: Domain;
  system: boolean;
}

function lookupDomain(backend: Backend, info: Json): Domain {
  const domain =
    typeof info.name === 'string' && info.name !== ''
      ? backend.domains.byName(info.name)
      : typeof info.id === 'string'
        ? backend.domains.get(info.id)
        : undefined;
  if (!domain || !domain.enabled) throw unauthorized();
  return domain;
}

function lookupProject(backend: Backend, info: Json): Project {
  let project: Project | undefined;
  if (typeof info.name === 'string' && info.name !== '') {
    if (!isObject(info.domain)) throw validationError('domain', 'project');
    const domain = lookupDomain(backend, info.domain);
    project = backend.projects.byName(info.name, domain.id);
  } else if (typeof info.id === 'string') {
    project = backend.projects.get(info.id);
    if (project) lookupDomain(backend, { id: project.domainId });
  }
  if (!project || !project.enabled) throw unauthorized();
  return project;
}

const SCOPE_KINDS = ['project', 'domain', 'unscoped', 'system', 'OS-TRUST:trust'];

function requestedScope(backend: Backend, auth: Json): RequestedScope {
  const none: RequestedScope = { explicit: false, unscoped: false, system: false };
  if (!('scope' in auth)) return none;
  const scope = auth.scope;
  const kinds =
    typeof scope === 'string'
      ? SCOPE_KINDS.filter((kind) => scope.includes(kind))
      : SCOPE_KINDS.filter((kind) => kind in (scope as Json));
  if (kinds.length !== 1) {
    throw validationError('system, project, domain, OS-TRUST:trust or unscoped', 'scope');
  }
  const kind = kinds[0]!;
  const info = typeof scope === 'string' ? {} : ((scope as Json)[kind] as Json);
  switch (kind) {
    case 'unscoped':
      return { ...none, explicit: true, unscoped: true };
    case 'system':
      return { ...none, explicit: true, system: true };
    case 'project':
      return { ...none, explicit: true, project: lookupProject(backend, info) };
    case 'domain':
      return { ...none, explicit: true, domain: lookupDomain(backend, info) };
    default:
      // Trusts are not supported: Keystone answers an unknown trust with 401.
      throw unauthorized();
  }
}

/** What the methods established: who, how, and (for `token`) the chain to continue. */
interface AuthResult {
  userId?: string;
  methods: string[];
  expiresAt?: number;
  parentAuditId?: string;
  fromToken?: ValidToken;
}

async function authenticatePassword(backend: Backend, payload: Json): Promise<string> {
  if (!isObject(payload.user)) throw validationError('user', 'password');
  const info = payload.user;
  const id = typeof info.id === 'string' ? info.id : '';
  const name = typeof info.name === 'string' ? info.name : '';
  if (!id && !name) throw validationError('id or name', 'user');
  let user: User | undefined;
  if (name) {
    if (!isObject(info.domain)) throw validationError('domain', 'user');
    const domainInfo = info.domain;
    if (!domainInfo.id && !domainInfo.name) throw validationError('id or name', 'domain');
    const domain = lookupDomain(backend, domainInfo);
    user = backend.users.byName(name, domain.id);
  } else {
    user = backend.users.get(id);
    if (user) lookupDomain(backend, { id: user.domainId });
  }
  const password = typeof info.password === 'string' ? info.password : undefined;
  const hash = user ? backend.users.passwordHash(user.id) : null;
  // Spend the same work whether or not the user exists, so timing does not reveal names.
  const ok =
    password !== undefined && hash !== null
      ? await verifyPassword(password, hash)
      : await verifyNothing(backend.settings.passwordHashCost);
  if (!user || !ok || !user.enabled) throw unauthorized();
  return user.id;
}

function authenticateToken(backend: Backend, payload: Json, scope: RequestedScope): AuthResult {
  if (typeof payload.id !== 'string') throw validationError('id', 'token');
  const token = resolveToken(backend, payload.id);
  if (!token) throw notFound('token', payload.id);
  if (token.system && (scope.project || scope.domain)) {
    throw forbiddenAction(
      'Using a system-scoped token to create a project-scoped or domain-scoped token is not allowed.',
    );
  }
  return {
    userId: token.user.id,
    // The new token keeps the first one's expiry: rescoping must not extend a login.
    expiresAt: token.record.expiresAt,
    parentAuditId: token.record.auditChainId,
    methods: token.record.methods,
    fromToken: token,
  };
}

export interface IssuedToken {
  id: string;
  token: ValidToken;
}

/** Authenticates a request body's `auth` and issues a token (POST /v3/auth/tokens). */
export async function issueToken(
  backend: Backend,
  auth: unknown,
  now = Date.now(),
): Promise<IssuedToken> {
  validateAuthSchema(auth);
  if (!isObject(auth) || Object.keys(auth).length === 0)
    throw validationError('auth', 'request body');
  const identity = auth.identity as Json;
  const methods = [...new Set(identity.methods as string[])];
  for (const method of methods) {
    if (!(method in identity)) throw validationError(method, 'identity');
  }
  for (const method of methods) {
    if (!(SUPPORTED_METHODS as readonly string[]).includes(method)) {
      throw methodNotSupported(SUPPORTED_METHODS);
    }
  }
  const scope = requestedScope(backend, auth);

  const result: AuthResult = { methods: [] };
  for (const method of methods) {
    const payload = identity[method];
    if (!isObject(payload)) throw validationError(method, 'identity');
    const step =
      method === 'password'
        ? { userId: await authenticatePassword(backend, payload), methods: [] }
        : authenticateToken(backend, payload, scope);
    // Every method must agree on who the user is (Keystone's AuthContext reconciliation).
    if (result.userId !== undefined && step.userId !== result.userId) throw unauthorized();
    result.userId = step.userId;
    result.methods.push(method, ...step.methods);
    if ('expiresAt' in step) {
      result.expiresAt = step.expiresAt;
      result.parentAuditId = step.parentAuditId;
    }
  }
  if (result.userId === undefined) throw unauthorized();
  const userId = result.userId;

  let tokenScope: TokenScope = {};
  if (scope.project) tokenScope = { projectId: scope.project.id };
  else if (scope.domain) tokenScope = { domainId: scope.domain.id };
  else if (scope.system) tokenScope = { system: true };
  else if (!scope.explicit) tokenScope = defaultProjectScope(backend, userId);

  if (!scopeRoles(backend, userId, tokenScope)) throw unauthorized();

  const auditId = newAuditId();
  const id = backend.tokens.issue({
    userId,
    methods: [...new Set(result.methods)],
    ...tokenScope,
    auditId,
    auditChainId: result.parentAuditId ?? auditId,
    issuedAt: now,
    expiresAt: result.expiresAt ?? now + backend.settings.tokenExpiration * 1000,
  });
  const token = resolveToken(backend, id, now);
  if (!token) throw unauthorized();
  return { id, token };
}

/** The user's default project, when it exists, is enabled and the user has a role on it. */
function defaultProjectScope(backend: Backend, userId: string): TokenScope {
  const user = backend.users.get(userId);
  const projectId = user?.defaultProjectId;
  if (!projectId) return {};
  const scope = { projectId };
  return scopeRoles(backend, userId, scope) ? scope : {};
}
