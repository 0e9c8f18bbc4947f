/**
 * Account ACLs (X-Account-Access-Control) against a real cluster with TempAuth: only owners
 * set and see them, malformed ones get 400, and each level grants what Swift's does — in the
 * account that set it and nowhere else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http } from '../helpers/http.js';
import { login, startCluster, type Session, type TestCluster } from '../helpers/cluster.js';

let env: TestCluster;
let owner: Session;
let other: Session; // test2:tester2, admin of AUTH_test2
let plain: Session; // test:tester3, no rights of its own

/** A request to AUTH_test (or `account`) as `session`. */
const as = (
  session: Session,
  path: string,
  options: Parameters<typeof http>[1] = {},
  account = 'AUTH_test',
) =>
  http(`${env.proxyUrl}/v1/${account}${path}`, {
    ...options,
    headers: { 'X-Auth-Token': session.token, ...options.headers },
  });

const setAcl = (acl: unknown, session: Session = owner, account = 'AUTH_test') =>
  as(
    session,
    '',
    {
      method: 'POST',
      headers: { 'X-Account-Access-Control': typeof acl === 'string' ? acl : JSON.stringify(acl) },
    },
    account,
  );

const storedAcl = async () =>
  (await as(owner, '', { method: 'HEAD' })).headers['x-account-access-control'];

beforeAll(async () => {
  env = await startCluster();
  owner = await login(env.authUrl, 'test:tester', 'testing');
  other = await login(env.authUrl, 'test2:tester2', 'testing2');
  plain = await login(env.authUrl, 'test:tester3', 'testing3');
  await as(owner, '/shared', { method: 'PUT' });
  await as(owner, '/shared/doc', { method: 'PUT', body: 'contents' });
  await as(owner, '', { method: 'POST', headers: { 'X-Account-Meta-Temp-URL-Key': 'secret' } });
});

afterAll(async () => {
  await env?.stop();
});

describe('setting account ACLs', () => {
  it('stores an owner’s ACL and shows it back to owners only, compact and sorted', async () => {
    const reply = await setAcl({ 'read-write': ['test:tester3'], 'read-only': ['test2:tester2'] });
    expect(reply.status).toBe(204);
    expect(await storedAcl()).toBe('{"read-only":["test2:tester2"],"read-write":["test:tester3"]}');
    const reader = await as(other, '', { method: 'HEAD' });
    expect(reader.status).toBe(204);
    expect(reader.headers['x-account-access-control']).toBeUndefined();
    expect(reader.headers['x-account-sysmeta-core-access-control']).toBeUndefined();
  });

  it('refuses malformed ACLs with 400, keeping the stored one', async () => {
    for (const [acl, problem] of [
      ['{"read-only": [', `Syntax error in input ('{"read-only": [')`],
      ['{"readers": ["x"]}', 'Key "readers" not recognized'],
      ['{"admin": "test2"}', 'Value for key "admin" must be a list'],
      ['{"admin": [7]}', 'Elements of "admin" list must be strings'],
    ]) {
      const reply = await setAcl(acl);
      expect(reply.status).toBe(400);
      expect(reply.text).toBe(`X-Account-Access-Control invalid: ${problem}\n\nInput: ${acl}\n`);
    }
    expect(await storedAcl()).toBe('{"read-only":["test2:tester2"],"read-write":["test:tester3"]}');
  });

  it('does not let anyone but an owner change them', async () => {
    expect((await setAcl({ admin: ['test:tester3'] }, plain)).status).toBe(403);
    expect((await setAcl({ admin: ['test2:tester2'] }, other)).status).toBe(403);
    const anonymous = await http(`${env.proxyUrl}/v1/AUTH_test`, {
      method: 'POST',
      headers: { 'X-Account-Access-Control': '{"admin":["test:tester3"]}' },
    });
    expect(anonymous.status).toBe(401);
    expect(await storedAcl()).toBe('{"read-only":["test2:tester2"],"read-write":["test:tester3"]}');
  });
});

describe('what account ACLs grant', () => {
  it('read-only: reads everything, writes nothing', async () => {
    expect((await as(other, '')).text).toBe('shared\n');
    expect((await as(other, '/shared')).text).toBe('doc\n');
    expect((await as(other, '/shared/doc')).text).toBe('contents');
    expect((await as(other, '/shared/new', { method: 'PUT', body: 'x' })).status).toBe(403);
    expect((await as(other, '/shared/doc', { method: 'DELETE' })).status).toBe(403);
    expect((await as(other, '/made-by-other', { method: 'PUT' })).status).toBe(403);
    expect((await as(owner, '/shared/doc')).text).toBe('contents');
  });

  it('never shows what only owners may see, such as the Temp-URL key', async () => {
    const head = await as(other, '', { method: 'HEAD' });
    expect(head.status).toBe(204);
    expect(head.headers['x-account-meta-temp-url-key']).toBeUndefined();
    expect((await as(owner, '', { method: 'HEAD' })).headers['x-account-meta-temp-url-key']).toBe(
      'secret',
    );
  });

  it('read-write: changes containers and objects but not the account', async () => {
    expect((await as(plain, '/shared/new', { method: 'PUT', body: 'by tester3' })).status).toBe(
      201,
    );
    expect((await as(plain, '/shared/new', { method: 'DELETE' })).status).toBe(204);
    const created = await as(plain, '/team', {
      method: 'PUT',
      headers: { 'X-Container-Read': '.r:*', 'X-Container-Meta-Purpose': 'team' },
    });
    expect(created.status).toBe(201);
    const head = await as(owner, '/team', { method: 'HEAD' });
    expect(head.headers['x-container-meta-purpose']).toBe('team');
    // Container ACLs stay the owner's to set.
    expect(head.headers['x-container-read']).toBeUndefined();
    expect(
      (await as(plain, '', { method: 'POST', headers: { 'X-Account-Meta-A': 'b' } })).status,
    ).toBe(403);
    expect((await as(plain, '')).status).toBe(200);
  });

  it('grants nothing in another account', async () => {
    expect((await as(plain, '', {}, 'AUTH_test2')).status).toBe(403);
    expect((await as(other, '/mine', { method: 'PUT' }, 'AUTH_test2')).status).toBe(201);
    // An ACL of AUTH_test2 naming tester3 opens AUTH_test2 to tester3, and nothing more.
    expect((await setAcl({ 'read-only': ['test:tester3'] }, other, 'AUTH_test2')).status).toBe(204);
    expect((await as(plain, '', {}, 'AUTH_test2')).text).toBe('mine\n');
    expect((await as(plain, '/mine', { method: 'DELETE' }, 'AUTH_test2')).status).toBe(403);
    expect((await as(other, '/shared/doc', { method: 'DELETE' })).status).toBe(403);
  });

  it('admin: acts as the owner, and loses it all when the ACL goes', async () => {
    expect((await setAcl({ admin: ['test2:tester2'] })).status).toBe(204);
    const post = await as(other, '', { method: 'POST', headers: { 'X-Account-Meta-By': 'admin' } });
    expect(post.status).toBe(204);
    expect((await as(other, '', { method: 'HEAD' })).headers['x-account-access-control']).toBe(
      '{"admin":["test2:tester2"]}',
    );
    expect(
      (await setAcl({ admin: ['test2:tester2'], 'read-only': ['test:tester3'] }, other)).status,
    ).toBe(204);
    const removed = await as(owner, '', {
      method: 'POST',
      headers: { 'X-Remove-Account-Access-Control': 'x' },
    });
    expect(removed.status).toBe(204);
    expect(await storedAcl()).toBeUndefined();
    expect((await as(other, '')).status).toBe(403);
    expect((await as(plain, '')).status).toBe(403);
    expect((await as(owner, '', { method: 'HEAD' })).headers['x-account-meta-by']).toBe('admin');
  });
});
