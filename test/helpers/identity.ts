/**
 * The identity service alone, for its integration tests: the real `node dist/identity/main.js`
 * started by the launcher's own code (local-cluster/), after the bootstrap CLI made its admin
 * and catalog. Plus a small JSON client for the v3 API.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identityUrl, writeIdentityConf } from '../../local-cluster/identity.js';
import { freePort, type IdentityLayout } from '../../local-cluster/layout.js';
import {
  runIdentityBootstrap,
  startIdentity,
  stopProcess,
  waitHealthy,
} from '../../local-cluster/processes.js';
import { http, type Reply } from './http.js';

export interface IdentityService {
  url: string;
  layout: IdentityLayout;
  adminPassword: string;
  stop(): Promise<void>;
}

export const OBJECT_STORE_URL = 'http://127.0.0.1:8080/v1/AUTH_$(project_id)s';

/** Starts a bootstrapped identity service; `settings` are `<section>.<key>` for identity.conf. */
export async function startIdentityService(
  settings: Record<string, string> = {},
): Promise<IdentityService> {
  const dir = await mkdtemp(join(tmpdir(), 'stratus-identity-'));
  const layout: IdentityLayout = {
    ip: '127.0.0.1',
    port: await freePort(),
    confPath: join(dir, 'identity.conf'),
    logPath: join(dir, 'identity.log'),
    dataDir: join(dir, 'identity'),
  };
  // A lower scrypt cost keeps the many logins of these tests quick; the algorithm is the same.
  await writeIdentityConf(layout, { 'identity.password_hash_cost': '4096', ...settings });
  const url = identityUrl(layout);
  const adminPassword = 'admin-secret';
  await runIdentityBootstrap(layout, [
    '--bootstrap-password',
    adminPassword,
    '--bootstrap-region-id',
    'RegionOne',
    '--bootstrap-public-url',
    `${url}/v3`,
    '--object-store-url',
    OBJECT_STORE_URL,
  ]);
  const proc = startIdentity(layout);
  await waitHealthy(proc, [url]);
  return {
    url,
    layout,
    adminPassword,
    async stop() {
      await stopProcess(proc);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Parsed JSON, as loosely typed as JSON.parse's own result. */
type Parsed = ReturnType<typeof JSON.parse>;

export interface JsonReply extends Reply {
  json: Parsed;
}

/** One v3 API call: JSON in and out, optional token. */
export async function api(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonReply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers['X-Auth-Token'] = options.token;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['Content-Type'] ??= 'application/json';
  }
  const reply = await http(`${base}${path}`, { method, headers, body });
  let json: Parsed = {};
  if (reply.text && (reply.headers['content-type'] ?? '').includes('json')) {
    json = JSON.parse(reply.text);
  }
  return { ...reply, json };
}

/** The given member of every item of a JSON list (ids, names, types …). */
export function pluck(list: unknown, key: string): unknown[] {
  return (list as Record<string, unknown>[]).map((item) => item[key]);
}

/** The item of a JSON list whose `key` is `value`. */
export function findBy(list: unknown, key: string, value: unknown): Parsed {
  return (list as Record<string, unknown>[]).find((item) => item[key] === value);
}

/** Password auth body for a user by name in the Default domain, scoped to a project by name. */
export function passwordAuth(
  user: string,
  password: string,
  project?: string,
): Record<string, unknown> {
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: user, domain: { name: 'Default' }, password } },
      },
      ...(project && { scope: { project: { name: project, domain: { id: 'default' } } } }),
    },
  };
}

/** Logs in and returns the token id (throws with the reply when it fails). */
export async function login(
  base: string,
  user: string,
  password: string,
  project?: string,
): Promise<string> {
  const reply = await api(base, 'POST', '/v3/auth/tokens', {
    body: passwordAuth(user, password, project),
  });
  if (reply.status !== 201)
    throw new Error(`login as ${user} failed: ${reply.status} ${reply.text}`);
  return reply.headers['x-subject-token']!;
}
