/**
 * Projects, users and role grants made through the identity service's Keystone v3 API (as an
 * operator with `openstack project create / user create / role add` would), and tokens for
 * them — for the tests of keystoneauth in the proxy.
 */
import { randomBytes } from 'node:crypto';
import type { IdentityAdmin } from '../../local-cluster/identity.js';
import { http, type Reply } from './http.js';

export interface KeystoneUser {
  id: string;
  name: string;
  password: string;
  project: { id: string; name: string };
}

export interface IssuedToken {
  token: string;
  expiresAt: number;
  body: { token: Record<string, unknown> };
}

export class KeystoneProjects {
  private roleIds = new Map<string, string>();

  constructor(
    /** The v3 URL, e.g. `http://127.0.0.1:5000/v3`. */
    readonly authUrl: string,
    private readonly admin: IdentityAdmin,
  ) {}

  /** A token for a user scoped to a project (POST /v3/auth/tokens, password method). */
  async issue(
    name: string,
    password: string,
    project: { name: string } | { id: string },
  ): Promise<IssuedToken> {
    const scope =
      'id' in project ? { id: project.id } : { name: project.name, domain: { id: 'default' } };
    const reply = await http(`${this.authUrl}/auth/tokens?nocatalog`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name, domain: { id: 'default' }, password } },
          },
          scope: { project: scope },
        },
      }),
    });
    if (reply.status !== 201) throw new Error(`token for ${name}: ${reply.status} ${reply.text}`);
    const body = JSON.parse(reply.text) as IssuedToken['body'];
    return {
      token: reply.headers['x-subject-token']!,
      expiresAt: Date.parse(String(body.token.expires_at)),
      body,
    };
  }

  async tokenFor(user: KeystoneUser): Promise<string> {
    return (await this.issue(user.name, user.password, { id: user.project.id })).token;
  }

  async adminToken(): Promise<string> {
    const { username, password, projectName } = this.admin;
    return (await this.issue(username, password, { name: projectName })).token;
  }

  /** An admin call to the v3 API; throws unless it answers `expected`. */
  async call(method: string, path: string, body?: unknown, expected?: number): Promise<Reply> {
    const reply = await http(`${this.authUrl}${path}`, {
      method,
      headers: {
        'X-Auth-Token': await this.adminToken(),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (expected !== undefined && reply.status !== expected)
      throw new Error(`${method} ${path}: ${reply.status} ${reply.text}`);
    return reply;
  }

  async createProject(name: string): Promise<{ id: string; name: string }> {
    const reply = await this.call(
      'POST',
      '/projects',
      { project: { name, domain_id: 'default' } },
      201,
    );
    const { project } = JSON.parse(reply.text) as { project: { id: string; name: string } };
    return { id: project.id, name: project.name };
  }

  async roleId(name: string): Promise<string> {
    const known = this.roleIds.get(name);
    if (known) return known;
    const list = await this.call('GET', `/roles?name=${encodeURIComponent(name)}`, undefined, 200);
    let id = (JSON.parse(list.text) as { roles: { id: string }[] }).roles[0]?.id;
    if (!id) {
      const created = await this.call('POST', '/roles', { role: { name } }, 201);
      id = (JSON.parse(created.text) as { role: { id: string } }).role.id;
    }
    this.roleIds.set(name, id);
    return id;
  }

  /** A new user with the given roles on the project. */
  async createUser(
    name: string,
    project: { id: string; name: string },
    roles: string[],
  ): Promise<KeystoneUser> {
    const password = randomBytes(9).toString('base64url');
    const reply = await this.call(
      'POST',
      '/users',
      { user: { name, password, domain_id: 'default', default_project_id: project.id } },
      201,
    );
    const { user } = JSON.parse(reply.text) as { user: { id: string } };
    for (const role of roles) await this.grant(user.id, project.id, role);
    return { id: user.id, name, password, project };
  }

  async grant(userId: string, projectId: string, role: string): Promise<void> {
    const roleId = await this.roleId(role);
    await this.call(
      'PUT',
      `/projects/${projectId}/users/${userId}/roles/${roleId}`,
      undefined,
      204,
    );
  }

  /** Revokes a token (DELETE /v3/auth/tokens), as its owner would. */
  async revoke(token: string): Promise<void> {
    const reply = await http(`${this.authUrl}/auth/tokens`, {
      method: 'DELETE',
      headers: { 'X-Auth-Token': token, 'X-Subject-Token': token },
    });
    if (reply.status !== 204) throw new Error(`revoke: ${reply.status} ${reply.text}`);
  }
}
