/**
 * Token expiry and revocation chains over HTTP, against an identity service whose tokens live
 * two seconds (`[token] expiration = 2`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, login, startIdentityService, type IdentityService } from '../helpers/identity.js';

let svc: IdentityService;

beforeAll(async () => {
  svc = await startIdentityService({ 'token.expiration': '2' });
});

afterAll(async () => {
  await svc?.stop();
});

const validate = (caller: string, subject: string) =>
  api(svc.url, 'GET', '/v3/auth/tokens', {
    token: caller,
    headers: { 'X-Subject-Token': subject },
  });

describe('token expiry', () => {
  it('issues tokens that expire after [token] expiration and are refused afterwards', async () => {
    const token = await login(svc.url, 'admin', svc.adminPassword, 'admin');
    const fresh = await validate(token, token);
    expect(fresh.status).toBe(200);
    const issuedAt = String(fresh.json.token.issued_at);
    const expiresAt = String(fresh.json.token.expires_at);
    expect(Date.parse(expiresAt) - Date.parse(issuedAt)).toBe(2000);
    await new Promise((resolve) => setTimeout(resolve, Date.parse(expiresAt) - Date.now() + 200));
    const checker = await login(svc.url, 'admin', svc.adminPassword, 'admin');
    const expired = await validate(checker, token);
    expect(expired.status).toBe(404);
    expect(expired.json.error.message).toBe(`Could not find token: ${token}.`);
    const used = await api(svc.url, 'GET', '/v3/projects', { token });
    expect(used.status).toBe(401);
    // Rescoping cannot extend an expired login either.
    const rescope = await api(svc.url, 'POST', '/v3/auth/tokens', {
      body: { auth: { identity: { methods: ['token'], token: { id: token } } } },
    });
    expect(rescope.status).toBe(404);
  });
});

describe('revocation chains', () => {
  it('revokes a rescoped token with its chain, or alone with ?cascade=false', async () => {
    const unscoped = await login(svc.url, 'admin', svc.adminPassword);
    const rescope = () =>
      api(svc.url, 'POST', '/v3/auth/tokens', {
        body: {
          auth: {
            identity: { methods: ['token'], token: { id: unscoped } },
            scope: { project: { name: 'admin', domain: { id: 'default' } } },
          },
        },
      }).then((r) => r.headers['x-subject-token']!);
    const a = await rescope();
    const b = await rescope();
    const admin = await login(svc.url, 'admin', svc.adminPassword, 'admin');

    const alone = await api(svc.url, 'DELETE', '/v3/auth/tokens?cascade=false', {
      token: admin,
      headers: { 'X-Subject-Token': a },
    });
    expect(alone.status).toBe(204);
    expect((await validate(admin, a)).status).toBe(404);
    expect((await validate(admin, b)).status).toBe(200);

    const chain = await api(svc.url, 'DELETE', '/v3/auth/tokens', {
      token: admin,
      headers: { 'X-Subject-Token': b },
    });
    expect(chain.status).toBe(204);
    expect((await validate(admin, b)).status).toBe(404);
    expect((await validate(admin, unscoped)).status).toBe(404);
    expect((await validate(admin, admin)).status).toBe(200);
  });
});
