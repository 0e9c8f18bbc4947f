/**
 * The identity service over HTTP, as a real process: version discovery, tokens (issue,
 * validate, check, revoke, rescoping, scopes), every resource API with its success and error
 * bodies, grants and role assignments, the catalog, EC2 credentials, and the default policy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  findBy,
  login,
  pluck,
  OBJECT_STORE_URL,
  passwordAuth,
  startIdentityService,
  type IdentityService,
} from '../helpers/identity.js';

const CLIENT_ERROR =
  'The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.';
const UNAUTHORIZED = {
  error: {
    code: 401,
    title: 'Unauthorized',
    message: 'The request you have made requires authentication.',
  },
};
const forbiddenBody = (action: string) => ({
  error: {
    code: 403,
    title: 'Forbidden',
    message: `You are not authorized to perform the requested action: ${action}.`,
  },
});

let svc: IdentityService;
let adminToken: string;
const call = (method: string, path: string, options: Parameters<typeof api>[3] = {}) =>
  api(svc.url, method, path, { token: adminToken, ...options });
const anon = (method: string, path: string, options: Parameters<typeof api>[3] = {}) =>
  api(svc.url, method, path, options);

beforeAll(async () => {
  svc = await startIdentityService();
  adminToken = await login(svc.url, 'admin', svc.adminPassword, 'admin');
});

afterAll(async () => {
  await svc?.stop();
});

describe('version discovery', () => {
  it('lists the versions with 300 Multiple Choices at /', async () => {
    const reply = await anon('GET', '/');
    expect(reply.status).toBe(300);
    expect(reply.headers.location).toBe(`${svc.url}/v3/`);
    expect(reply.json).toEqual({
      versions: {
        values: [
          {
            id: 'v3.14',
            status: 'stable',
            updated: '2020-04-07T00:00:00Z',
            links: [{ rel: 'self', href: `${svc.url}/v3/` }],
            'media-types': [
              { base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' },
            ],
          },
        ],
      },
    });
  });

  it('describes v3 at /v3', async () => {
    const reply = await anon('GET', '/v3');
    expect(reply.status).toBe(200);
    expect(reply.json.version).toMatchObject({ id: 'v3.14', status: 'stable' });
    expect(reply.headers.vary).toBe('X-Auth-Token');
  });

  it('answers unknown paths with a Keystone 404 body', async () => {
    const reply = await anon('GET', '/v3/nothing-here');
    expect(reply.status).toBe(404);
    expect(reply.json).toEqual({
      error: { code: 404, title: 'Not Found', message: 'The resource could not be found.' },
    });
  });
});

describe('POST /v3/auth/tokens', () => {
  it("issues a project-scoped token with Keystone's body", async () => {
    const reply = await anon('POST', '/v3/auth/tokens', {
      body: passwordAuth('admin', svc.adminPassword, 'admin'),
    });
    expect(reply.status).toBe(201);
    expect(reply.headers['x-subject-token']).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const token = reply.json.token;
    expect(token.methods).toEqual(['password']);
    expect(token.user).toMatchObject({
      name: 'admin',
      domain: { id: 'default', name: 'Default' },
      password_expires_at: null,
    });
    expect(token.project).toMatchObject({
      name: 'admin',
      domain: { id: 'default', name: 'Default' },
    });
    expect(token.is_domain).toBe(false);
    expect(pluck(token.roles, 'name').sort()).toEqual(['admin', 'member', 'reader']);
    expect(token.roles[0]).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      name: expect.any(String),
    });
    expect(token.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(Date.parse(String(token.expires_at)) - Date.parse(String(token.issued_at))).toBe(
      3600_000,
    );
    expect(token.audit_ids).toEqual([expect.stringMatching(/^[A-Za-z0-9_-]{22}$/)]);
    const swift = findBy(token.catalog, 'type', 'object-store');
    expect(swift.name).toBe('swift');
    const pub = findBy(swift.endpoints, 'interface', 'public');
    expect(pub).toEqual({
      id: expect.any(String),
      interface: 'public',
      region: 'RegionOne',
      region_id: 'RegionOne',
      url: OBJECT_STORE_URL.replace('$(project_id)s', String(token.project.id)),
    });
    const keystone = findBy(token.catalog, 'type', 'identity');
    expect(pluck(keystone.endpoints, 'url')).toContain(`${svc.url}/v3`);
  });

  it('takes the user and project by id, and leaves the catalog out with ?nocatalog', async () => {
    const first = await call('GET', `/v3/auth/tokens`, {
      headers: { 'X-Subject-Token': adminToken },
    });
    const { user, project } = first.json.token;
    const reply = await anon('POST', '/v3/auth/tokens?nocatalog', {
      body: {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { id: user.id, password: svc.adminPassword } },
          },
          scope: { project: { id: project.id } },
        },
      },
    });
    expect(reply.status).toBe(201);
    expect(reply.json.token.project.id).toBe(project.id);
    expect(reply.json.token.catalog).toBeUndefined();
  });

  it('issues unscoped, system-scoped and domain-scoped tokens', async () => {
    const unscoped = await anon('POST', '/v3/auth/tokens', {
      body: {
        auth: { ...(passwordAuth('admin', svc.adminPassword).auth as object), scope: 'unscoped' },
      },
    });
    expect(unscoped.status).toBe(201);
    expect(unscoped.json.token.project).toBeUndefined();
    expect(unscoped.json.token.roles).toBeUndefined();
    expect(unscoped.json.token.catalog).toBeUndefined();

    const system = await anon('POST', '/v3/auth/tokens', {
      body: {
        auth: {
          ...(passwordAuth('admin', svc.adminPassword).auth as object),
          scope: { system: { all: true } },
        },
      },
    });
    expect(system.status).toBe(201);
    expect(system.json.token.system).toEqual({ all: true });
    expect(system.json.token.catalog.length).toBeGreaterThan(0);

    // A domain token needs a role on the domain.
    const domainAuth = {
      auth: {
        ...(passwordAuth('admin', svc.adminPassword).auth as object),
        scope: { domain: { name: 'Default' } },
      },
    };
    expect((await anon('POST', '/v3/auth/tokens', { body: domainAuth })).json).toEqual(
      UNAUTHORIZED,
    );
    const me = (
      await call('GET', '/v3/auth/tokens', { headers: { 'X-Subject-Token': adminToken } })
    ).json.token;
    const adminRole = findBy(me.roles, 'name', 'admin');
    expect(
      (await call('PUT', `/v3/domains/default/users/${me.user.id}/roles/${adminRole.id}`)).status,
    ).toBe(204);
    const domain = await anon('POST', '/v3/auth/tokens', { body: domainAuth });
    expect(domain.status).toBe(201);
    expect(domain.json.token.domain).toEqual({ id: 'default', name: 'Default' });
  });

  it('rescopes with the token method, keeping the first expiry and audit chain', async () => {
    const unscoped = await anon('POST', '/v3/auth/tokens', {
      body: passwordAuth('admin', svc.adminPassword),
    });
    const id = unscoped.headers['x-subject-token']!;
    const reply = await anon('POST', '/v3/auth/tokens', {
      body: {
        auth: {
          identity: { methods: ['token'], token: { id } },
          scope: { project: { name: 'admin', domain: { name: 'Default' } } },
        },
      },
    });
    expect(reply.status).toBe(201);
    expect(reply.json.token.methods).toEqual(['token', 'password']);
    expect(reply.json.token.expires_at).toBe(unscoped.json.token.expires_at);
    expect(reply.json.token.audit_ids[1]).toBe(unscoped.json.token.audit_ids[0]);
  });

  it('refuses wrong credentials with 401 and a Keystone challenge', async () => {
    for (const body of [
      passwordAuth('admin', 'wrong', 'admin'),
      passwordAuth('nobody', 'x', 'admin'),
      passwordAuth('admin', svc.adminPassword, 'no-such-project'),
      {
        auth: {
          identity: { methods: ['password'], password: { user: { id: 'nope', password: 'x' } } },
        },
      },
    ]) {
      const reply = await anon('POST', '/v3/auth/tokens', { body });
      expect(reply.status).toBe(401);
      expect(reply.json).toEqual(UNAUTHORIZED);
      expect(reply.headers['www-authenticate']).toBe(`Keystone uri="${svc.url}/v3"`);
    }
  });

  it('answers malformed requests with Keystone 400 bodies', async () => {
    const cases: [unknown, string, string?][] = [
      ['{"auth": ', `Expecting to find valid JSON in request body. ${CLIENT_ERROR}`],
      ['[1, 2]', `Expecting to find valid JSON in request body. ${CLIENT_ERROR}`],
      ['{"auth": {}}', "'identity' is a required property"],
      [
        { auth: { identity: {} } },
        "Invalid input for field 'identity': 'methods' is a required property",
      ],
      [{}, `Expecting to find auth in request body. ${CLIENT_ERROR}`],
      [
        { auth: { identity: { methods: ['password'] } } },
        `Expecting to find password in identity. ${CLIENT_ERROR}`,
      ],
      [
        { auth: { identity: { methods: ['password'], password: { user: { password: 'x' } } } } },
        'Invalid input for field identity/password/user: id or name must be present.',
      ],
      [
        {
          auth: {
            identity: {
              methods: ['password'],
              password: { user: { name: 'admin', password: 'x' } },
            },
          },
        },
        `Expecting to find domain in user. ${CLIENT_ERROR}`,
      ],
      [
        {
          auth: {
            ...(passwordAuth('admin', 'x').auth as object),
            scope: { project: { name: 'admin' } },
          },
        },
        `Expecting to find domain in project. ${CLIENT_ERROR}`,
      ],
      [
        {
          auth: {
            ...(passwordAuth('admin', 'x').auth as object),
            scope: { project: { id: 'a' }, domain: { id: 'b' } },
          },
        },
        `Expecting to find system, project, domain, OS-TRUST:trust or unscoped in scope. ${CLIENT_ERROR}`,
      ],
      [
        { auth: { ...(passwordAuth('admin', 'x').auth as object), scope: { project: {} } } },
        'Invalid input for field scope/project: id or name must be present.',
      ],
      ['{"auth": 1}', "1 is not of type 'object'"],
    ];
    for (const [body, message] of cases) {
      const reply = await anon('POST', '/v3/auth/tokens', { body });
      expect(reply.status, String(JSON.stringify(body))).toBe(400);
      expect(reply.json).toEqual({ error: { code: 400, title: 'Bad Request', message } });
    }
    const wrongType = await anon('POST', '/v3/auth/tokens', {
      body: 'auth=1',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(wrongType.json.error.message).toBe(
      `Expecting to find application/json in Content-Type header. ${CLIENT_ERROR}`,
    );
  });

  it('refuses unknown methods with 401 naming the supported ones, and a dead token with 404', async () => {
    const unknown = await anon('POST', '/v3/auth/tokens', {
      body: {
        auth: { identity: { methods: ['totp'], totp: { user: { id: 'x', passcode: '1' } } } },
      },
    });
    expect(unknown.status).toBe(401);
    expect(unknown.json).toEqual({
      error: {
        code: 401,
        title: 'Unauthorized',
        message: 'Attempted to authenticate with an unsupported method.',
        identity: { methods: ['password', 'token'] },
      },
    });
    const dead = await anon('POST', '/v3/auth/tokens', {
      body: { auth: { identity: { methods: ['token'], token: { id: 'not-a-token' } } } },
    });
    expect(dead.status).toBe(404);
    expect(dead.json.error.message).toBe('Could not find token: not-a-token.');
  });

  it('refuses a body over the size limit with 413', async () => {
    const reply = await anon('POST', '/v3/auth/tokens', {
      body: JSON.stringify({ pad: 'x'.repeat(200_000) }),
    });
    expect(reply.status).toBe(413);
    expect(reply.json.error).toMatchObject({ code: 413, title: 'Request Entity Too Large' });
  });
});

describe('validating, checking and revoking tokens', () => {
  it('validates with GET and checks with HEAD', async () => {
    const subject = await login(svc.url, 'admin', svc.adminPassword);
    const reply = await call('GET', '/v3/auth/tokens', { headers: { 'X-Subject-Token': subject } });
    expect(reply.status).toBe(200);
    expect(reply.headers['x-subject-token']).toBe(subject);
    expect(reply.json.token.user.name).toBe('admin');
    const head = await call('HEAD', '/v3/auth/tokens', { headers: { 'X-Subject-Token': subject } });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    const nocatalog = await call('GET', '/v3/auth/tokens?nocatalog', {
      headers: { 'X-Subject-Token': adminToken },
    });
    expect(nocatalog.json.token.catalog).toBeUndefined();
  });

  it('lets a token validate itself (X-Auth-Token = X-Subject-Token)', async () => {
    const self = await api(svc.url, 'GET', '/v3/auth/tokens', {
      token: adminToken,
      headers: { 'X-Subject-Token': adminToken },
    });
    expect(self.status).toBe(200);
  });

  it('answers 404 for an unknown subject and 401 without a valid caller token', async () => {
    const unknown = await call('GET', '/v3/auth/tokens', {
      headers: { 'X-Subject-Token': 'bogus' },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({
      error: { code: 404, title: 'Not Found', message: 'Could not find token: bogus.' },
    });
    const noCaller = await anon('GET', '/v3/auth/tokens', {
      headers: { 'X-Subject-Token': adminToken },
    });
    expect(noCaller.status).toBe(401);
    expect(noCaller.json).toEqual(UNAUTHORIZED);
    const badCaller = await api(svc.url, 'GET', '/v3/projects', { token: 'bogus' });
    expect(badCaller.status).toBe(401);
  });

  it('revokes with DELETE: the token then fails everywhere', async () => {
    const subject = await login(svc.url, 'admin', svc.adminPassword, 'admin');
    expect((await api(svc.url, 'GET', '/v3/projects', { token: subject })).status).toBe(200);
    const revoke = await call('DELETE', '/v3/auth/tokens', {
      headers: { 'X-Subject-Token': subject },
    });
    expect(revoke.status).toBe(204);
    expect(
      (await call('GET', '/v3/auth/tokens', { headers: { 'X-Subject-Token': subject } })).status,
    ).toBe(404);
    expect(
      (await call('DELETE', '/v3/auth/tokens', { headers: { 'X-Subject-Token': subject } })).status,
    ).toBe(404);
    const used = await api(svc.url, 'GET', '/v3/projects', { token: subject });
    expect(used.status).toBe(401);
    expect(used.json).toEqual(UNAUTHORIZED);
  });

  it('serves the token-scoped views: catalog, projects, domains, system', async () => {
    const catalog = await call('GET', '/v3/auth/catalog');
    expect(catalog.status).toBe(200);
    expect(pluck(catalog.json.catalog, 'type').sort()).toEqual(['identity', 'object-store']);
    expect(catalog.json.links.self).toBe(`${svc.url}/v3/auth/catalog`);
    const unscoped = await login(svc.url, 'admin', svc.adminPassword);
    const refused = await api(svc.url, 'GET', '/v3/auth/catalog', { token: unscoped });
    expect(refused.status).toBe(403);
    expect(refused.json.error.message).toBe(
      'A project-scoped token is required to produce a service catalog.',
    );
    const projects = await api(svc.url, 'GET', '/v3/auth/projects', { token: unscoped });
    expect(pluck(projects.json.projects, 'name')).toContain('admin');
    const domains = await api(svc.url, 'GET', '/v3/auth/domains', { token: unscoped });
    expect(domains.status).toBe(200);
    expect(Array.isArray(domains.json.domains)).toBe(true);
    const system = await api(svc.url, 'GET', '/v3/auth/system', { token: unscoped });
    expect(system.json.system).toEqual([{ all: true }]);
  });
});

describe('domains, projects and users', () => {
  let domainId: string;
  let projectId: string;
  let userId: string;
  let memberRoleId: string;

  it('creates, finds, updates and deletes domains', async () => {
    const created = await call('POST', '/v3/domains', {
      body: { domain: { name: 'Acme', description: 'A domain' } },
    });
    expect(created.status).toBe(201);
    domainId = created.json.domain.id;
    expect(created.json.domain).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      name: 'Acme',
      description: 'A domain',
      enabled: true,
      tags: [],
      options: {},
      links: { self: `${svc.url}/v3/domains/${domainId}` },
    });
    const dup = await call('POST', '/v3/domains', { body: { domain: { name: 'Acme' } } });
    expect(dup.status).toBe(409);
    expect(dup.json).toEqual({
      error: {
        code: 409,
        title: 'Conflict',
        message:
          'Conflict occurred attempting to store domain - Duplicate entry found with name Acme.',
      },
    });
    const listed = await call('GET', '/v3/domains?name=Acme');
    expect(pluck(listed.json.domains, 'id')).toEqual([domainId]);
    expect(listed.json.links).toEqual({
      self: `${svc.url}/v3/domains?name=Acme`,
      previous: null,
      next: null,
    });
    const enabledOnly = await call('GET', '/v3/domains?enabled=false');
    expect(enabledOnly.json.domains).toEqual([]);
    const enabled = await call('DELETE', `/v3/domains/${domainId}`);
    expect(enabled.status).toBe(403);
    expect(enabled.json.error.message).toBe(
      'Cannot delete a domain that is enabled, please disable it first.',
    );
    const patched = await call('PATCH', `/v3/domains/${domainId}`, {
      body: { domain: { enabled: false } },
    });
    expect(patched.json.domain.enabled).toBe(false);
    expect((await call('DELETE', `/v3/domains/${domainId}`)).status).toBe(204);
    const gone = await call('GET', `/v3/domains/${domainId}`);
    expect(gone.status).toBe(404);
    expect(gone.json.error.message).toBe(`Could not find domain: ${domainId}.`);
    const missing = await call('POST', '/v3/domains', { body: { domain: { description: 'x' } } });
    expect(missing.json).toEqual({
      error: { code: 400, title: 'Bad Request', message: "'name' is a required property" },
    });
  });

  it('creates projects in the default domain, with filters and conflicts', async () => {
    const created = await call('POST', '/v3/projects', {
      body: { project: { name: 'demo', description: 'Demo' } },
    });
    expect(created.status).toBe(201);
    projectId = created.json.project.id;
    expect(created.json.project).toEqual({
      id: projectId,
      name: 'demo',
      domain_id: 'default',
      description: 'Demo',
      enabled: true,
      parent_id: 'default',
      is_domain: false,
      tags: [],
      options: {},
      links: { self: `${svc.url}/v3/projects/${projectId}` },
    });
    const dup = await call('POST', '/v3/projects', { body: { project: { name: 'demo' } } });
    expect(dup.status).toBe(409);
    expect(dup.json.error.message).toBe(
      'Conflict occurred attempting to store project - Duplicate entry found with name demo at domain ID default.',
    );
    const badType = await call('POST', '/v3/projects', {
      body: { project: { name: 'x', enabled: 'yes' } },
    });
    expect(badType.json.error.message).toBe(
      "Invalid input for field 'enabled': 'yes' is not of type 'boolean'",
    );
    const byName = await call('GET', '/v3/projects?name=demo&domain_id=default');
    expect(pluck(byName.json.projects, 'id')).toEqual([projectId]);
    expect((await call('GET', '/v3/projects?enabled=false')).json.projects).toEqual([]);
    // OSC looks a name up as an id first: that must be a 404.
    const asId = await call('GET', '/v3/projects/demo');
    expect(asId.status).toBe(404);
    expect(asId.json.error.message).toBe('Could not find project: demo.');
    const patched = await call('PATCH', `/v3/projects/${projectId}`, {
      body: { project: { description: 'Changed' } },
    });
    expect(patched.json.project.description).toBe('Changed');
    const moved = await call('PATCH', `/v3/projects/${projectId}`, {
      body: { project: { domain_id: 'other' } },
    });
    expect(moved.status).toBe(400);
    const child = await call('POST', '/v3/projects', {
      body: { project: { name: 'child', parent_id: projectId } },
    });
    expect(child.json.project.parent_id).toBe(projectId);
    const parentDelete = await call('DELETE', `/v3/projects/${projectId}`);
    expect(parentDelete.status).toBe(403);
    expect((await call('DELETE', `/v3/projects/${child.json.project.id}`)).status).toBe(204);
  });

  it('creates users with write-only passwords and extra attributes', async () => {
    const created = await call('POST', '/v3/users', {
      body: {
        user: {
          name: 'alice',
          password: 'alice-pw',
          email: 'alice@example.com',
          default_project_id: projectId,
        },
      },
    });
    expect(created.status).toBe(201);
    userId = created.json.user.id;
    expect(created.json.user).toEqual({
      id: userId,
      name: 'alice',
      domain_id: 'default',
      enabled: true,
      email: 'alice@example.com',
      default_project_id: projectId,
      password_expires_at: null,
      options: {},
      links: { self: `${svc.url}/v3/users/${userId}` },
    });
    const dup = await call('POST', '/v3/users', { body: { user: { name: 'alice' } } });
    expect(dup.json.error.message).toBe(
      'Conflict occurred attempting to store user - Duplicate entry found with name alice at domain ID default.',
    );
    expect(pluck((await call('GET', '/v3/users?name=alice')).json.users, 'id')).toEqual([userId]);
    const roles = await call('GET', '/v3/roles?name=member');
    memberRoleId = roles.json.roles[0].id;
  });

  it('lets members read themselves and their project, but not administer', async () => {
    // No role yet: no project token.
    expect(
      (await anon('POST', '/v3/auth/tokens', { body: passwordAuth('alice', 'alice-pw', 'demo') }))
        .status,
    ).toBe(401);
    expect(
      (await call('PUT', `/v3/projects/${projectId}/users/${userId}/roles/${memberRoleId}`)).status,
    ).toBe(204);
    // With no scope asked for, the default project is used.
    const defaulted = await anon('POST', '/v3/auth/tokens', {
      body: passwordAuth('alice', 'alice-pw'),
    });
    expect(defaulted.json.token.project.id).toBe(projectId);
    expect(pluck(defaulted.json.token.roles, 'name').sort()).toEqual(['member', 'reader']);
    const alice = await login(svc.url, 'alice', 'alice-pw', 'demo');
    expect((await api(svc.url, 'GET', `/v3/users/${userId}`, { token: alice })).status).toBe(200);
    expect((await api(svc.url, 'GET', `/v3/projects/${projectId}`, { token: alice })).status).toBe(
      200,
    );
    expect(
      (await api(svc.url, 'GET', `/v3/users/${userId}/projects`, { token: alice })).json.projects[0]
        .id,
    ).toBe(projectId);
    const others = await api(svc.url, 'GET', '/v3/users', { token: alice });
    expect(others.status).toBe(403);
    expect(others.json).toEqual(forbiddenBody('identity:list_users'));
    const create = await api(svc.url, 'POST', '/v3/projects', {
      token: alice,
      body: { project: { name: 'mine' } },
    });
    expect(create.json).toEqual(forbiddenBody('identity:create_project'));
    const grant = await api(
      svc.url,
      'PUT',
      `/v3/projects/${projectId}/users/${userId}/roles/${memberRoleId}`,
      { token: alice },
    );
    expect(grant.json).toEqual(forbiddenBody('identity:create_grant'));
    // Validating somebody else's token is refused; one's own is fine.
    expect(
      (
        await api(svc.url, 'GET', '/v3/auth/tokens', {
          token: alice,
          headers: { 'X-Subject-Token': adminToken },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await api(svc.url, 'GET', '/v3/auth/tokens', {
          token: alice,
          headers: { 'X-Subject-Token': alice },
        })
      ).status,
    ).toBe(200);
  });

  it('changes passwords with the old one, revoking the old tokens', async () => {
    const before = await login(svc.url, 'alice', 'alice-pw', 'demo');
    const wrong = await anon('POST', `/v3/users/${userId}/password`, {
      body: { user: { password: 'new-pw', original_password: 'nope' } },
    });
    expect(wrong.json).toEqual(UNAUTHORIZED);
    const missing = await anon('POST', `/v3/users/${userId}/password`, {
      body: { user: { password: 'x' } },
    });
    expect(missing.json.error.message).toBe("'original_password' is a required property");
    const ok = await anon('POST', `/v3/users/${userId}/password`, {
      body: { user: { password: 'new-pw', original_password: 'alice-pw' } },
    });
    expect(ok.status).toBe(204);
    expect((await api(svc.url, 'GET', `/v3/users/${userId}`, { token: before })).status).toBe(401);
    expect(
      (await anon('POST', '/v3/auth/tokens', { body: passwordAuth('alice', 'alice-pw', 'demo') }))
        .status,
    ).toBe(401);
    await login(svc.url, 'alice', 'new-pw', 'demo');
  });

  it('refuses disabled users and projects at once', async () => {
    const token = await login(svc.url, 'alice', 'new-pw', 'demo');
    await call('PATCH', `/v3/projects/${projectId}`, { body: { project: { enabled: false } } });
    expect(
      (await call('GET', '/v3/auth/tokens', { headers: { 'X-Subject-Token': token } })).status,
    ).toBe(404);
    expect(
      (await anon('POST', '/v3/auth/tokens', { body: passwordAuth('alice', 'new-pw', 'demo') }))
        .json,
    ).toEqual(UNAUTHORIZED);
    await call('PATCH', `/v3/projects/${projectId}`, { body: { project: { enabled: true } } });
    await call('PATCH', `/v3/users/${userId}`, { body: { user: { enabled: false } } });
    expect(
      (await anon('POST', '/v3/auth/tokens', { body: passwordAuth('alice', 'new-pw', 'demo') }))
        .json,
    ).toEqual(UNAUTHORIZED);
    await call('PATCH', `/v3/users/${userId}`, { body: { user: { enabled: true } } });
    await login(svc.url, 'alice', 'new-pw', 'demo');
  });

  it('grants, checks, lists and revokes roles, and reports assignments', async () => {
    const path = `/v3/projects/${projectId}/users/${userId}/roles`;
    expect((await call('HEAD', `${path}/${memberRoleId}`)).status).toBe(204);
    const listed = await call('GET', path);
    expect(pluck(listed.json.roles, 'name')).toEqual(['member']);
    const unknownRole = await call('PUT', `${path}/nope`);
    expect(unknownRole.json).toEqual({
      error: { code: 404, title: 'Not Found', message: 'Could not find role: nope.' },
    });
    const unknownUser = await call(
      'PUT',
      `/v3/projects/${projectId}/users/ghost/roles/${memberRoleId}`,
    );
    expect(unknownUser.json.error.message).toBe('Could not find user: ghost.');

    const direct = await call(
      'GET',
      `/v3/role_assignments?user.id=${userId}&scope.project.id=${projectId}`,
    );
    expect(direct.json.role_assignments).toEqual([
      {
        role: { id: memberRoleId },
        user: { id: userId },
        scope: { project: { id: projectId } },
        links: {
          assignment: `${svc.url}/v3/projects/${projectId}/users/${userId}/roles/${memberRoleId}`,
        },
      },
    ]);
    const effective = await call(
      'GET',
      `/v3/role_assignments?user.id=${userId}&effective&include_names`,
    );
    const names = pluck(pluck(effective.json.role_assignments, 'role'), 'name');
    expect(names).toEqual(['member', 'reader']);
    expect(effective.json.role_assignments[1].links.prior_role).toMatch(
      new RegExp(`/v3/roles/${memberRoleId}/implies/`),
    );
    expect(effective.json.role_assignments[0].user).toEqual({
      id: userId,
      name: 'alice',
      domain: { id: 'default', name: 'Default' },
    });
    const group = await call('PUT', `/v3/projects/${projectId}/groups/staff/roles/${memberRoleId}`);
    expect(group.json).toEqual({
      error: { code: 404, title: 'Not Found', message: 'Could not find group: staff.' },
    });
    expect(
      (await call('GET', `/v3/role_assignments?group.id=staff`)).json.role_assignments,
    ).toEqual([]);
    const both = await call('GET', '/v3/role_assignments?scope.project.id=a&scope.domain.id=b');
    expect(both.json).toEqual({
      error: { code: 400, title: 'Bad Request', message: 'Specify a domain or project, not both' },
    });

    expect((await call('DELETE', `${path}/${memberRoleId}`)).status).toBe(204);
    const again = await call('DELETE', `${path}/${memberRoleId}`);
    expect(again.status).toBe(404);
    expect(again.json.error.message).toBe(
      `Could not find role assignment with role: ${memberRoleId}, user or group: ${userId}, project, domain, or system: ${projectId}.`,
    );
    expect((await call('HEAD', `${path}/${memberRoleId}`)).status).toBe(404);
  });

  it('deletes users and projects with their grants', async () => {
    expect((await call('DELETE', `/v3/users/${userId}`)).status).toBe(204);
    expect((await call('GET', `/v3/users/${userId}`)).json.error.message).toBe(
      `Could not find user: ${userId}.`,
    );
    expect((await call('DELETE', `/v3/projects/${projectId}`)).status).toBe(204);
    expect((await call('DELETE', `/v3/projects/${projectId}`)).status).toBe(404);
  });
});

describe('roles and implied roles', () => {
  it('creates, updates and deletes roles', async () => {
    const created = await call('POST', '/v3/roles', {
      body: { role: { name: 'observer', description: 'Looks' } },
    });
    expect(created.status).toBe(201);
    const id = created.json.role.id;
    expect(created.json.role).toEqual({
      id,
      name: 'observer',
      domain_id: null,
      description: 'Looks',
      options: {},
      links: { self: `${svc.url}/v3/roles/${id}` },
    });
    expect((await call('POST', '/v3/roles', { body: { role: { name: 'observer' } } })).status).toBe(
      409,
    );
    expect(
      (await call('PATCH', `/v3/roles/${id}`, { body: { role: { name: 'watcher' } } })).json.role
        .name,
    ).toBe('watcher');
    expect((await call('GET', `/v3/roles/${id}`)).json.role.name).toBe('watcher');
    expect((await call('DELETE', `/v3/roles/${id}`)).status).toBe(204);
    expect((await call('GET', `/v3/roles/${id}`)).status).toBe(404);
  });

  it('manages inference rules', async () => {
    const roles = (await call('GET', '/v3/roles')).json.roles as { id: string; name: string }[];
    const id = (name: string) => roles.find((r) => r.name === name)!.id;
    const extra = (await call('POST', '/v3/roles', { body: { role: { name: 'auditor' } } })).json
      .role.id;
    const put = await call('PUT', `/v3/roles/${extra}/implies/${id('reader')}`);
    expect(put.status).toBe(201);
    expect(put.json).toEqual({
      role_inference: {
        prior_role: { id: extra, name: 'auditor', links: { self: `${svc.url}/v3/roles/${extra}` } },
        implies: {
          id: id('reader'),
          name: 'reader',
          links: { self: `${svc.url}/v3/roles/${id('reader')}` },
        },
      },
      links: { self: `${svc.url}/v3/roles/${extra}/implies/${id('reader')}` },
    });
    expect((await call('HEAD', `/v3/roles/${extra}/implies/${id('reader')}`)).status).toBe(204);
    expect((await call('GET', `/v3/roles/${extra}/implies/${id('reader')}`)).status).toBe(200);
    const list = await call('GET', `/v3/roles/${id('admin')}/implies`);
    expect(pluck(list.json.role_inference.implies, 'name')).toEqual(['member']);
    const all = await call('GET', '/v3/role_inferences');
    expect(pluck(pluck(all.json.role_inferences, 'prior_role'), 'name').sort()).toEqual([
      'admin',
      'auditor',
      'member',
    ]);
    const toAdmin = await call('PUT', `/v3/roles/${extra}/implies/${id('admin')}`);
    expect(toAdmin.status).toBe(403);
    expect(toAdmin.json.error.message).toBe(`${id('admin')} cannot be an implied roles.`);
    expect((await call('DELETE', `/v3/roles/${extra}/implies/${id('reader')}`)).status).toBe(204);
    const missing = await call('GET', `/v3/roles/${extra}/implies/${id('reader')}`);
    expect(missing.json.error.message).toBe(`${extra} does not imply ${id('reader')}.`);
  });
});

describe('catalog: regions, services, endpoints', () => {
  it('manages the catalog and shows it in new tokens', async () => {
    const region = await call('POST', '/v3/regions', {
      body: { region: { id: 'RegionTwo', description: 'Second' } },
    });
    expect(region.status).toBe(201);
    expect(region.json.region).toEqual({
      id: 'RegionTwo',
      description: 'Second',
      parent_region_id: null,
      links: { self: `${svc.url}/v3/regions/RegionTwo` },
    });
    expect(
      (await call('POST', '/v3/regions', { body: { region: { id: 'RegionTwo' } } })).json.error
        .message,
    ).toBe(
      'Conflict occurred attempting to store region - Duplicate entry found with ID RegionTwo.',
    );
    const service = await call('POST', '/v3/services', {
      body: { service: { type: 'image', name: 'glance', description: 'Images' } },
    });
    expect(service.status).toBe(201);
    const serviceId = service.json.service.id;
    expect(service.json.service).toEqual({
      id: serviceId,
      type: 'image',
      name: 'glance',
      description: 'Images',
      enabled: true,
      links: { self: `${svc.url}/v3/services/${serviceId}` },
    });
    const bad = await call('POST', '/v3/endpoints', {
      body: { endpoint: { service_id: serviceId, interface: 'bogus', url: 'http://h:9292' } },
    });
    expect(bad.json.error.message).toBe(
      "Invalid input for field 'interface': 'bogus' is not one of ['public', 'internal', 'admin']",
    );
    const noRegion = await call('POST', '/v3/endpoints', {
      body: {
        endpoint: {
          service_id: serviceId,
          interface: 'public',
          url: 'http://h:9292',
          region_id: 'Nowhere',
        },
      },
    });
    expect(noRegion.json.error.message).toBe(
      `Expecting to find endpoint region_id in region table. ${CLIENT_ERROR}`,
    );
    const endpoint = await call('POST', '/v3/endpoints', {
      body: {
        endpoint: {
          service_id: serviceId,
          interface: 'public',
          url: 'http://h:9292',
          region_id: 'RegionTwo',
        },
      },
    });
    expect(endpoint.status).toBe(201);
    expect(endpoint.json.endpoint).toMatchObject({
      region: 'RegionTwo',
      region_id: 'RegionTwo',
      interface: 'public',
      enabled: true,
    });
    const filtered = await call('GET', `/v3/endpoints?service_id=${serviceId}&interface=public`);
    expect(filtered.json.endpoints).toHaveLength(1);
    expect((await call('GET', '/v3/services?type=image')).json.services).toHaveLength(1);
    const inUse = await call('DELETE', '/v3/regions/RegionTwo');
    expect(inUse.status).toBe(403);

    const token = await anon('POST', '/v3/auth/tokens', {
      body: passwordAuth('admin', svc.adminPassword, 'admin'),
    });
    expect(findBy(token.json.token.catalog, 'type', 'image').endpoints[0].url).toBe(
      'http://h:9292',
    );

    await call('PATCH', `/v3/services/${serviceId}`, { body: { service: { enabled: false } } });
    const hidden = await anon('POST', '/v3/auth/tokens', {
      body: passwordAuth('admin', svc.adminPassword, 'admin'),
    });
    expect(findBy(hidden.json.token.catalog, 'type', 'image')).toBeUndefined();

    expect((await call('DELETE', `/v3/services/${serviceId}`)).status).toBe(204);
    expect((await call('GET', `/v3/endpoints/${endpoint.json.endpoint.id}`)).status).toBe(404);
    expect((await call('DELETE', '/v3/regions/RegionTwo')).status).toBe(204);
  });
});

describe('EC2 credentials', () => {
  it('creates, lists, shows and deletes access/secret pairs per user and project', async () => {
    const me = (
      await call('GET', '/v3/auth/tokens', { headers: { 'X-Subject-Token': adminToken } })
    ).json.token;
    const base = `/v3/users/${me.user.id}/credentials/OS-EC2`;
    const created = await call('POST', base, { body: { tenant_id: me.project.id } });
    expect(created.status).toBe(201);
    const credential = created.json.credential;
    expect(credential).toEqual({
      user_id: me.user.id,
      tenant_id: me.project.id,
      access: expect.stringMatching(/^[0-9a-f]{32}$/),
      secret: expect.stringMatching(/^[0-9a-f]{32}$/),
      trust_id: null,
      links: { self: `${svc.url}${base}/${credential.access}` },
    });
    expect((await call('GET', base)).json.credentials).toEqual([credential]);
    expect((await call('GET', `${base}/${credential.access}`)).json.credential).toEqual(credential);
    const noProject = await call('POST', base, { body: {} });
    expect(noProject.status).toBe(400);
    const badProject = await call('POST', base, { body: { tenant_id: 'nope' } });
    expect(badProject.json.error.message).toBe('Could not find project: nope.');
    expect((await call('DELETE', `${base}/${credential.access}`)).status).toBe(204);
    const gone = await call('GET', `${base}/${credential.access}`);
    expect(gone.status).toBe(404);
    expect(gone.json.error.message).toBe(`Could not find credential: ${credential.access}.`);
  });

  it("refuses other users' credentials to non-admins", async () => {
    const created = await call('POST', '/v3/users', {
      body: { user: { name: 'bob', password: 'bob-pw' } },
    });
    const bob = created.json.user.id;
    const reader = (await call('GET', '/v3/roles?name=reader')).json.roles[0].id;
    const project = (await call('GET', '/v3/projects?name=admin')).json.projects[0].id;
    await call('PUT', `/v3/projects/${project}/users/${bob}/roles/${reader}`);
    const bobToken = await login(svc.url, 'bob', 'bob-pw', 'admin');
    const me = (
      await call('GET', '/v3/auth/tokens', { headers: { 'X-Subject-Token': adminToken } })
    ).json.token;
    const refused = await api(svc.url, 'POST', `/v3/users/${me.user.id}/credentials/OS-EC2`, {
      token: bobToken,
      body: { tenant_id: project },
    });
    expect(refused.json).toEqual(forbiddenBody('identity:ec2_create_credential'));
    const own = await api(svc.url, 'POST', `/v3/users/${bob}/credentials/OS-EC2`, {
      token: bobToken,
      body: { tenant_id: project },
    });
    expect(own.status).toBe(201);
  });
});
