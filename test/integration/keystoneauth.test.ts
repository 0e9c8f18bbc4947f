/**
 * keystoneauth against a real cluster with its identity service: projects own their accounts
 * (`AUTH_<project id>`), roles decide what their users may do there, container and account
 * ACLs open them to users of other projects, expired and revoked tokens are refused, Keystone
 * being down gives 503 — and TempAuth keeps working beside it.
 *
 * Tokens live 8 s here (so one can expire during the test) and the proxy reuses a validation
 * for 2 s, so every step asks for a fresh token.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSection } from '../../common/config.js';
import { createLogger } from '../../common/logger.js';
import type { ProxyContext } from '../../proxy/context.js';
import { authorize, isOwner } from '../../proxy/identity.js';
import { readKeystoneAuthConfig } from '../../proxy/keystone/config.js';
import { KeystoneClient } from '../../proxy/keystone/keystone-client.js';
import { keystoneauth } from '../../proxy/middleware/keystoneauth.js';
import type { ProxyRequest, ProxyResponse } from '../../proxy/pipeline.js';
import { login, startCluster, type TestCluster } from '../helpers/cluster.js';
import { http } from '../helpers/http.js';
import { KeystoneProjects, type KeystoneUser } from '../helpers/keystone-projects.js';

const TOKEN_LIFE_S = 8;
const CACHE_S = 2;

let env: TestCluster;
let keystone: KeystoneProjects;
let alpha: { id: string; name: string };
let beta: { id: string; name: string };
let alice: KeystoneUser; // member of alpha
let rita: KeystoneUser; // reader of alpha
let bob: KeystoneUser; // member of beta
let reseller: KeystoneUser; // ResellerAdmin

const account = (project: { id: string }) => `AUTH_${project.id}`;

/** A request to the proxy with a fresh token of `user` (or the given token). */
async function as(
  user: KeystoneUser | string | undefined,
  path: string,
  options: Parameters<typeof http>[1] = {},
) {
  const token = typeof user === 'string' ? user : user && (await keystone.tokenFor(user));
  return http(`${env.proxyUrl}/v1/${path}`, {
    ...options,
    headers: { ...(token ? { 'X-Auth-Token': token } : {}), ...options.headers },
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  env = await startCluster({
    identity: true,
    identitySettings: {
      'token.expiration': String(TOKEN_LIFE_S),
      'identity.password_hash_cost': '1024',
    },
    settings: { 'keystoneauth.token_cache_time': String(CACHE_S) },
  });
  keystone = new KeystoneProjects(env.identityAuthUrl!, env.identityAdmin!);
  alpha = await keystone.createProject('alpha');
  beta = await keystone.createProject('beta');
  alice = await keystone.createUser('alice', alpha, ['member']);
  rita = await keystone.createUser('rita', alpha, ['reader']);
  bob = await keystone.createUser('bob', beta, ['member']);
  reseller = await keystone.createUser('reseller', beta, ['ResellerAdmin']);
});

afterAll(async () => {
  await env?.stop();
});

describe('projects and roles', () => {
  it('lets a member create its project’s account, containers and objects', async () => {
    const a = account(alpha);
    expect((await as(alice, `${a}/docs`, { method: 'PUT' })).status).toBe(201);
    expect((await as(alice, `${a}/docs/readme`, { method: 'PUT', body: 'hello' })).status).toBe(
      201,
    );
    const object = await as(alice, `${a}/docs/readme`);
    expect(object.status).toBe(200);
    expect(object.text).toBe('hello');
    const head = await as(alice, a, { method: 'HEAD' });
    expect(head.status).toBe(204);
    expect(head.headers['x-account-container-count']).toBe('1');
    // The autocreated account records its project's domain, as Swift's keystoneauth does.
    expect(head.headers['x-account-project-domain-id']).toBe('default');
  });

  it('refuses a member of project A on project B’s account (403)', async () => {
    const b = account(beta);
    expect((await as(bob, `${b}/mine`, { method: 'PUT' })).status).toBe(201);
    expect((await as(alice, b)).status).toBe(403);
    expect((await as(alice, `${b}/mine`)).status).toBe(403);
    expect((await as(alice, `${b}/intruder`, { method: 'PUT' })).status).toBe(403);
    expect((await as(bob, `${account(alpha)}/docs/readme`)).status).toBe(403);
  });

  it('lets a reader read its project’s account but not write (403)', async () => {
    const a = account(alpha);
    expect((await as(rita, a)).status).toBe(200);
    expect((await as(rita, `${a}/docs`)).text).toBe('readme\n');
    expect((await as(rita, `${a}/docs/readme`)).text).toBe('hello');
    expect((await as(rita, `${a}/docs/new`, { method: 'PUT', body: 'x' })).status).toBe(403);
    expect((await as(rita, `${a}/docs/readme`, { method: 'DELETE' })).status).toBe(403);
    expect((await as(rita, `${a}/other`, { method: 'PUT' })).status).toBe(403);
    expect(
      (await as(rita, a, { method: 'POST', headers: { 'X-Account-Meta-X': '1' } })).status,
    ).toBe(403);
  });

  it('lets the reseller admin role into every account, as its owner', async () => {
    await as(alice, `${account(alpha)}/docs`, {
      method: 'POST',
      headers: { 'X-Container-Read': `${beta.id}:${bob.id}` },
    });
    const listing = await as(reseller, `${account(alpha)}/docs`);
    expect(listing.status).toBe(200);
    expect(listing.headers['x-container-read']).toBe(`${beta.id}:${bob.id}`);
  });

  it('refuses account DELETE even to its owner', async () => {
    expect((await as(alice, account(alpha), { method: 'DELETE' })).status).toBe(403);
  });
});

describe('ACLs', () => {
  it('let another project’s user read with a project_id:user_id container ACL', async () => {
    const a = account(alpha);
    await as(alice, `${a}/shared`, {
      method: 'PUT',
      headers: { 'X-Container-Read': `${beta.id}:${bob.id}` },
    });
    await as(alice, `${a}/shared/report`, { method: 'PUT', body: 'numbers' });
    expect((await as(bob, `${a}/shared/report`)).text).toBe('numbers');
    expect((await as(bob, `${a}/shared`)).text).toBe('report\n');
    // Read access only, and an ACL user never sees the ACLs.
    expect((await as(bob, `${a}/shared`)).headers['x-container-read']).toBeUndefined();
    expect((await as(bob, `${a}/shared/new`, { method: 'PUT', body: 'x' })).status).toBe(403);
  });

  it('let a project:user ACL by names grant writes, and project:* everyone there', async () => {
    const a = account(alpha);
    await as(alice, `${a}/inbox`, {
      method: 'PUT',
      headers: { 'X-Container-Write': 'beta:bob' },
    });
    expect((await as(bob, `${a}/inbox/letter`, { method: 'PUT', body: 'dear' })).status).toBe(201);
    expect((await as(reseller, `${a}/inbox/letter`)).text).toBe('dear');
    await as(alice, `${a}/inbox`, { method: 'POST', headers: { 'X-Container-Read': 'beta:*' } });
    expect((await as(bob, `${a}/inbox/letter`)).status).toBe(200);
    await as(alice, `${a}/inbox`, { method: 'POST', headers: { 'X-Container-Read': 'gamma:*' } });
    expect((await as(bob, `${a}/inbox/letter`)).status).toBe(403);
  });

  it('let account ACLs (X-Account-Access-Control) grant another project’s user', async () => {
    const a = account(alpha);
    const acl = JSON.stringify({ 'read-only': [`${beta.id}:${bob.id}`] });
    expect(
      (await as(alice, a, { method: 'POST', headers: { 'X-Account-Access-Control': acl } })).status,
    ).toBe(204);
    expect((await as(alice, a, { method: 'HEAD' })).headers['x-account-access-control']).toBe(acl);
    const listing = await as(bob, a);
    expect(listing.status).toBe(200);
    expect(listing.text).toBe('docs\ninbox\nshared\n');
    expect(listing.headers['x-account-access-control']).toBeUndefined();
    expect((await as(bob, `${a}/docs/readme`)).text).toBe('hello');
    expect((await as(bob, `${a}/docs/new`, { method: 'PUT', body: 'x' })).status).toBe(403);

    const rw = JSON.stringify({ 'read-write': ['beta:bob'] });
    await as(alice, a, { method: 'POST', headers: { 'X-Account-Access-Control': rw } });
    expect((await as(bob, `${a}/docs/new`, { method: 'PUT', body: 'x' })).status).toBe(201);
    expect(
      (await as(bob, a, { method: 'POST', headers: { 'X-Account-Meta-X': '1' } })).status,
    ).toBe(403);
    const bad = await as(alice, a, {
      method: 'POST',
      headers: { 'X-Account-Access-Control': '{"owner": []}' },
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Key "owner" not recognized');
  });

  it('let anonymous users read public containers, and nothing else', async () => {
    const a = account(alpha);
    await as(alice, `${a}/public`, { method: 'PUT', headers: { 'X-Container-Read': '.r:*' } });
    await as(alice, `${a}/public/index.html`, { method: 'PUT', body: '<h1>hi</h1>' });
    expect((await as(undefined, `${a}/public/index.html`)).text).toBe('<h1>hi</h1>');
    expect((await as(undefined, `${a}/public`)).status).toBe(401); // no .rlistings
    expect((await as(undefined, `${a}/docs/readme`)).status).toBe(401);
  });
});

describe('tokens', () => {
  it('refuses an unknown token with 401 and Keystone’s Www-Authenticate', async () => {
    const reply = await as(randomBytes(32).toString('base64url'), account(alpha));
    expect(reply.status).toBe(401);
    expect(reply.headers['www-authenticate']).toBe(`Keystone uri="${env.identityAuthUrl}"`);
    expect((await as(undefined, account(alpha))).status).toBe(401);
  });

  it('refuses a revoked token within token_cache_time', async () => {
    const token = await keystone.tokenFor(alice);
    expect((await as(token, account(alpha))).status).toBe(200);
    await keystone.revoke(token);
    const revokedAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < (CACHE_S + 2) * 1000) {
      await sleep(250);
      status = (await as(token, account(alpha))).status;
    }
    expect(status).toBe(401);
  });

  it('refuses an expired token', async () => {
    const issued = await keystone.issue(alice.name, alice.password, { id: alpha.id });
    expect((await as(issued.token, account(alpha))).status).toBe(200);
    await sleep(Math.max(0, issued.expiresAt - Date.now()) + 100);
    expect((await as(issued.token, account(alpha))).status).toBe(401);
  });
});

describe('beside TempAuth', () => {
  it('keeps TempAuth users working, in their own accounts only', async () => {
    const tester = await login(env.authUrl, 'test:tester', 'testing');
    expect((await as(tester.token, 'AUTH_test/tempauth', { method: 'PUT' })).status).toBe(201);
    expect((await as(tester.token, 'AUTH_test/tempauth')).status).toBe(204);
    expect((await as(tester.token, account(alpha))).status).toBe(403);
    expect((await as(alice, 'AUTH_test/tempauth')).status).toBe(403);
  });

  it('lists keystoneauth in /info', async () => {
    const info = JSON.parse((await http(`${env.proxyUrl}/info`)).text) as Record<string, unknown>;
    expect(info.keystoneauth).toEqual({ account_acls: true });
    expect(info.tempauth).toEqual({ account_acls: true });
  });
});

describe('with service credentials', () => {
  it('validates tokens as authtoken does, logging in again when its own token goes', async () => {
    const admin = env.identityAdmin!;
    const config = readKeystoneAuthConfig(
      ConfigSection.of('filter:keystoneauth', {
        auth_url: env.identityUrl!, // unversioned: /v3 is added
        username: admin.username,
        password: admin.password,
        project_name: admin.projectName,
      }),
    )!;
    const client = new KeystoneClient(config, createLogger({ server: 'test', level: 'silent' }));
    try {
      const token = await keystone.tokenFor(bob);
      const valid = await client.validate(token);
      expect(valid.valid && valid.identity.project?.id).toBe(beta.id);
      expect(valid.valid && [...valid.identity.roles].sort()).toEqual(['member', 'reader']);
      expect((await client.validate('not-a-token')).valid).toBe(false);
      await keystone.revoke(token);
      expect((await client.validate(token)).valid).toBe(false);
    } finally {
      await client.close();
    }
  });
});

describe('without delay_auth_decision', () => {
  it('refuses missing and invalid tokens at once, as authtoken does', async () => {
    const ctx = {
      capabilities: {},
      logger: createLogger({ server: 'test', level: 'silent' }),
    } as unknown as ProxyContext;
    const filter = keystoneauth(
      ConfigSection.of('filter:keystoneauth', {
        auth_url: env.identityAuthUrl!,
        delay_auth_decision: false,
      }),
      ctx,
    );
    let reached = 0;
    const app = async (): Promise<ProxyResponse> => {
      reached++;
      return { status: 200, headers: {} };
    };
    const request = (headers: Record<string, string>): ProxyRequest => ({
      method: 'GET',
      rawPath: `/v1/${account(alpha)}/public/index.html`,
      query: new URLSearchParams(),
      headers,
      body: Readable.from([]),
      clientIp: '127.0.0.1',
      txId: 'tx',
      log: ctx.logger,
      env: new Map(),
      continueBody: () => undefined,
    });
    const missing = await filter(request({}), app);
    expect(missing.status).toBe(401);
    expect(missing.headers['Www-Authenticate']).toBe(`Keystone uri="${env.identityAuthUrl}"`);
    expect((await filter(request({ 'x-auth-token': 'nope' }), app)).status).toBe(401);
    expect(reached).toBe(0);
    const valid = request({ 'x-auth-token': await keystone.tokenFor(alice) });
    expect((await filter(valid, app)).status).toBe(200);
    expect(authorize(valid, { method: 'PUT', account: account(alpha), container: 'c' })).toBe(
      undefined,
    );
    expect(isOwner(valid)).toBe(true);
    expect(ctx.capabilities.keystoneauth).toEqual({ account_acls: true });
  });
});

describe('when Keystone is down', () => {
  it('answers 503 for tokens it cannot validate, and recovers', async () => {
    const token = await keystone.tokenFor(alice);
    await env.cluster.stopIdentity();
    const reply = await as(token, account(alpha));
    expect(reply.status).toBe(503);
    expect(reply.text).toContain('Keystone');
    await env.cluster.startIdentity();
    expect((await as(token, account(alpha))).status).toBe(200);
  });
});
