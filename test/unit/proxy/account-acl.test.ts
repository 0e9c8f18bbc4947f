import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigSection } from '../../../common/config.js';
import { createLogger } from '../../../common/logger.js';
import {
  accountAccess,
  accountAclError,
  formatAccountAcl,
  parseAccountAcls,
} from '../../../proxy/acl.js';
import type { ProxyContext } from '../../../proxy/context.js';
import { authorize, isOwner } from '../../../proxy/identity.js';
import { tempauth } from '../../../proxy/middleware/tempauth.js';
import type { App, ProxyRequest } from '../../../proxy/pipeline.js';

describe('account ACL syntax', () => {
  it('accepts the three keys with lists of strings, and empty input', () => {
    expect(accountAclError('{"admin":["a:b"],"read-write":[],"read-only":["c"]}')).toBeUndefined();
    expect(accountAclError('{}')).toBeUndefined();
    expect(accountAclError('')).toBeUndefined();
  });

  it("reports malformed ACLs in TempAuth's words", () => {
    expect(accountAclError('{"admin": [')).toBe(`Syntax error in input ('{"admin": [')`);
    expect(accountAclError('["admin"]')).toBe(`Syntax error in input ('["admin"]')`);
    expect(accountAclError("it's")).toBe(`Syntax error in input ("it's")`);
    expect(accountAclError('{"owner":["x"]}')).toBe('Key "owner" not recognized');
    expect(accountAclError('{"admin":"x"}')).toBe('Value for key "admin" must be a list');
    expect(accountAclError('{"read-only":[1]}')).toBe(
      'Elements of "read-only" list must be strings',
    );
  });

  it('reads stored ACLs, ignoring empty and garbled ones', () => {
    expect(parseAccountAcls('{"read-only":["test2"]}')).toEqual({
      admin: [],
      'read-write': [],
      'read-only': ['test2'],
    });
    expect(parseAccountAcls('{"admin":[]}')).toBeUndefined();
    expect(parseAccountAcls('')).toBeUndefined();
    expect(parseAccountAcls('not json')).toBeUndefined();
    expect(parseAccountAcls(undefined)).toBeUndefined();
  });

  it('gives the strongest access among the groups', () => {
    const acls = { admin: ['boss'], 'read-write': ['team'], 'read-only': ['team', 'guest'] };
    expect(accountAccess(acls, ['team', 'team:ann'])).toBe('read-write');
    expect(accountAccess(acls, ['x', 'x:guest', 'guest'])).toBe('read-only');
    expect(accountAccess(acls, ['boss', 'team'])).toBe('admin');
    expect(accountAccess(acls, ['nobody'])).toBeUndefined();
  });

  it("shows ACLs as Swift's compact sorted JSON", () => {
    expect(formatAccountAcl('{ "read-only": ["b", "a"], "admin": ["é"] }')).toBe(
      '{"admin":["\\u00e9"],"read-only":["b","a"]}',
    );
    expect(formatAccountAcl('{}')).toBeUndefined();
    expect(formatAccountAcl('')).toBeUndefined();
  });
});

describe('tempauth with account ACLs', () => {
  const silent = createLogger({ server: 'test', level: 'silent' });
  const stored: Record<string, string> = {};
  // The account info the proxy would read from the account servers (HEAD, cached).
  const ctx = {
    capabilities: {},
    config: { bindIp: '127.0.0.1', bindPort: 8080 },
    info: {
      account: async (account: string) => ({
        status: 204,
        headers: stored[account]
          ? { 'x-account-sysmeta-core-access-control': stored[account] }
          : {},
      }),
    },
  } as unknown as ProxyContext;
  const filter = tempauth(
    ConfigSection.of('filter:tempauth', {
      token_secret: 'secret',
      user_test_tester: 'testing .admin',
      user_test_tester3: 'testing3',
      user_test2_tester2: 'testing2 .admin',
      user_test5_tester5: 'testing5 .admin .reseller_admin',
    }),
    ctx,
  );
  const ok: App = async () => ({ status: 204, headers: {} });

  function request(path: string, headers: Record<string, string> = {}, method = 'GET') {
    return {
      method,
      rawPath: path,
      query: new URLSearchParams(),
      headers,
      body: Readable.from([]),
      clientIp: '127.0.0.1',
      txId: 'tx',
      log: silent,
      env: new Map(),
      continueBody: () => undefined,
    } satisfies ProxyRequest;
  }

  const tokens: Record<string, string> = {};
  async function as(user: string, path: string, method = 'GET', headers = {}) {
    if (!tokens[user]) {
      const key = {
        'test:tester': 'testing',
        'test:tester3': 'testing3',
        'test2:tester2': 'testing2',
        'test5:tester5': 'testing5',
      }[user]!;
      const reply = await filter(
        request('/auth/v1.0', { 'x-auth-user': user, 'x-auth-key': key }),
        ok,
      );
      tokens[user] = reply.headers['X-Auth-Token'] as string;
    }
    const req = request(path, { 'x-auth-token': tokens[user], ...headers }, method);
    await filter(req, ok);
    return req;
  }

  it('grants read-only, read-write and admin access as Swift', async () => {
    stored.AUTH_test = JSON.stringify({
      'read-only': ['test2:tester2'],
      'read-write': ['test:tester3'],
    });
    const reader = await as('test2:tester2', '/v1/AUTH_test/c/o');
    expect(
      authorize(reader, { method: 'GET', account: 'AUTH_test', container: 'c', object: 'o' }),
    ).toBeUndefined();
    expect(authorize(reader, { method: 'GET', account: 'AUTH_test' })).toBeUndefined();
    expect(
      authorize(reader, { method: 'PUT', account: 'AUTH_test', container: 'c', object: 'o' })
        ?.status,
    ).toBe(403);
    expect(isOwner(reader)).toBe(false);

    const writer = await as('test:tester3', '/v1/AUTH_test/c');
    expect(
      authorize(writer, { method: 'PUT', account: 'AUTH_test', container: 'c' }),
    ).toBeUndefined();
    expect(
      authorize(writer, { method: 'DELETE', account: 'AUTH_test', container: 'c', object: 'o' }),
    ).toBeUndefined();
    expect(authorize(writer, { method: 'POST', account: 'AUTH_test' })?.status).toBe(403);
    expect(authorize(writer, { method: 'HEAD', account: 'AUTH_test' })).toBeUndefined();

    stored.AUTH_test = JSON.stringify({ admin: ['test2'] });
    const admin = await as('test2:tester2', '/v1/AUTH_test');
    expect(authorize(admin, { method: 'POST', account: 'AUTH_test' })).toBeUndefined();
    expect(isOwner(admin)).toBe(true);
    expect(authorize(admin, { method: 'DELETE', account: 'AUTH_test' })?.status).toBe(403);
  });

  it('grants nothing in other accounts', async () => {
    stored.AUTH_test = JSON.stringify({ admin: ['test2:tester2'] });
    const req = await as('test2:tester2', '/v1/AUTH_test/c');
    // A subrequest to another account carries this request's ACLs, which do not apply there.
    expect(authorize(req, { method: 'GET', account: 'AUTH_other', container: 'c' })?.status).toBe(
      403,
    );
    const plain = await as('test:tester3', '/v1/AUTH_test/c');
    expect(authorize(plain, { method: 'GET', account: 'AUTH_test', container: 'c' })?.status).toBe(
      403,
    );
  });

  it('lets only owners set ACLs, and refuses malformed ones with 400', async () => {
    delete stored.AUTH_test;
    const owner = await as('test:tester', '/v1/AUTH_test', 'POST', {
      'x-account-access-control': '{"read-only":["test2"]}',
    });
    expect(authorize(owner, { method: 'POST', account: 'AUTH_test' })).toBeUndefined();
    expect(owner.headers).toMatchObject({
      'x-account-sysmeta-core-access-control': '{"read-only":["test2"]}',
    });
    expect(owner.headers['x-account-access-control']).toBeUndefined();

    const bad = await as('test:tester', '/v1/AUTH_test', 'POST', {
      'x-account-access-control': '{"read-only": "test2"}',
    });
    const refusal = authorize(bad, { method: 'POST', account: 'AUTH_test' });
    expect(refusal?.status).toBe(400);
    expect(refusal?.body).toBe(
      'X-Account-Access-Control invalid: Value for key "read-only" must be a list\n\n' +
        'Input: {"read-only": "test2"}\n',
    );

    stored.AUTH_test = JSON.stringify({ 'read-write': ['test:tester3'] });
    const writer = await as('test:tester3', '/v1/AUTH_test/c', 'PUT', {
      'x-container-read': '.r:*',
      'x-container-meta-color': 'red',
    });
    expect(
      authorize(writer, { method: 'PUT', account: 'AUTH_test', container: 'c' }),
    ).toBeUndefined();
    // Container ACLs are the owner's to set: a read-write user's are dropped.
    expect(writer.headers['x-container-read']).toBeUndefined();
    expect(writer.headers['x-container-meta-color']).toBe('red');
  });

  it('shows stored ACLs and Temp-URL keys to owners only', async () => {
    const respond: App = async () => ({
      status: 204,
      headers: {
        'X-Account-Sysmeta-Core-Access-Control': '{"read-only": ["test2"]}',
        'X-Account-Meta-Temp-Url-Key': 'k',
        'X-Account-Meta-Color': 'red',
      },
    });
    const run = async (user: string) => {
      const req = request('/v1/AUTH_test', { 'x-auth-token': tokens[user]! }, 'HEAD');
      return filter(req, async (r) => {
        authorize(r, { method: 'HEAD', account: 'AUTH_test' });
        return respond(r);
      });
    };
    stored.AUTH_test = JSON.stringify({ 'read-only': ['test2'] });
    await as('test2:tester2', '/v1/AUTH_test');
    const owner = await run('test:tester');
    expect(owner.headers['X-Account-Access-Control']).toBe('{"read-only":["test2"]}');
    expect(owner.headers['X-Account-Sysmeta-Core-Access-Control']).toBeUndefined();
    expect(owner.headers['X-Account-Meta-Temp-Url-Key']).toBe('k');
    const reader = await run('test2:tester2');
    expect(reader.headers['X-Account-Access-Control']).toBeUndefined();
    expect(reader.headers['X-Account-Sysmeta-Core-Access-Control']).toBeUndefined();
    expect(reader.headers['X-Account-Meta-Temp-Url-Key']).toBeUndefined();
    expect(reader.headers['X-Account-Meta-Color']).toBe('red');
  });

  it('marks reseller requests for account quotas', async () => {
    const reseller = await as('test5:tester5', '/v1/AUTH_test', 'POST');
    expect(reseller.env.get('reseller_request')).toBe(true);
    const owner = await as('test:tester', '/v1/AUTH_test', 'POST');
    expect(owner.env.get('reseller_request')).toBeUndefined();
  });
});
