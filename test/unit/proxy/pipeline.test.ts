import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigSection } from '../../../common/config.js';
import { StratusError } from '../../../common/errors.js';
import { createLogger } from '../../../common/logger.js';
import { groupAllowed, normalizeAcl, parseAcl, referrerAllowed } from '../../../proxy/acl.js';
import type { ProxyContext } from '../../../proxy/context.js';
import { authorize } from '../../../proxy/identity.js';
import { catchErrors } from '../../../proxy/middleware/catch-errors.js';
import { gatekeeper } from '../../../proxy/middleware/gatekeeper.js';
import { healthcheck } from '../../../proxy/middleware/healthcheck.js';
import { tempauth } from '../../../proxy/middleware/tempauth.js';
import { parseApiPath } from '../../../proxy/path.js';
import { compose, type App, type ProxyRequest } from '../../../proxy/pipeline.js';

const silent = createLogger({ server: 'test', level: 'silent' });
const ctx = {
  capabilities: {},
  config: { bindIp: '127.0.0.1', bindPort: 8080 },
} as unknown as ProxyContext;

function request(path: string, headers: Record<string, string> = {}, method = 'GET'): ProxyRequest {
  const url = new URL(path, 'http://x');
  return {
    method,
    rawPath: url.pathname,
    query: url.searchParams,
    headers,
    body: Readable.from([]),
    clientIp: '127.0.0.1',
    txId: 'txtest',
    log: silent,
    env: new Map(),
    continueBody: () => undefined,
  };
}

const ok: App = async () => ({ status: 200, headers: {}, body: 'app' });

describe('compose', () => {
  it('runs filters in order around the app', async () => {
    const order: string[] = [];
    const app = compose(
      [
        async (req, next) => {
          order.push('a-in');
          const res = await next(req);
          order.push('a-out');
          return res;
        },
        async (req, next) => {
          order.push('b-in');
          return next(req);
        },
      ],
      async () => {
        order.push('app');
        return { status: 204, headers: {} };
      },
    );
    expect((await app(request('/'))).status).toBe(204);
    expect(order).toEqual(['a-in', 'b-in', 'app', 'a-out']);
  });

  it('refuses a filter that calls next twice', async () => {
    const app = compose([async (req, next) => (await next(req), next(req))], ok);
    await expect(app(request('/'))).rejects.toThrow('next() called multiple times');
  });
});

describe('catch_errors', () => {
  const filter = catchErrors(ConfigSection.of('filter:catch_errors', {}), ctx);

  it('turns typed errors into their status and anything else into 500, always with the transaction id', async () => {
    const typed = await filter(request('/'), () =>
      Promise.reject(new StratusError('LENGTH_REQUIRED', 'Missing Content-Length header.')),
    );
    expect(typed.status).toBe(411);
    expect(typed.body).toBe('Missing Content-Length header.');
    const crash = await filter(request('/'), () => Promise.reject(new Error('boom')));
    expect(crash.status).toBe(500);
    expect(crash.body as string).not.toContain('boom');
    expect(crash.headers['X-Trans-Id']).toBe('txtest');
    expect(crash.headers['X-Openstack-Request-Id']).toBe('txtest');
    expect((await filter(request('/'), ok)).headers['X-Trans-Id']).toBe('txtest');
  });
});

describe('gatekeeper', () => {
  it('drops private headers both ways', async () => {
    const filter = gatekeeper(ConfigSection.of('filter:gatekeeper', {}), ctx);
    let seen: Record<string, string> = {};
    const res = await filter(
      request('/', {
        'x-backend-x': '1',
        'x-object-sysmeta-y': '1',
        'x-timestamp': '1',
        'x-object-meta-z': '1',
      }),
      async (req) => {
        seen = { ...req.headers };
        return {
          status: 200,
          headers: { 'X-Backend-Timestamp': '1', 'X-Container-Sysmeta-A': '1', Etag: 'e' },
        };
      },
    );
    expect(seen).toEqual({ 'x-object-meta-z': '1' });
    expect(res.headers).toEqual({ Etag: 'e' });
  });
});

describe('healthcheck', () => {
  it('answers OK without calling the app, and nothing else', async () => {
    const filter = healthcheck(ConfigSection.of('filter:healthcheck', {}), ctx);
    expect((await filter(request('/healthcheck'), ok)).body).toBe('OK');
    expect((await filter(request('/v1/AUTH_a'), ok)).body).toBe('app');
  });
});

describe('tempauth', () => {
  const conf = ConfigSection.of('filter:tempauth', {
    token_secret: 'secret',
    user_test_tester: 'testing .admin',
    user_test_tester3: 'testing3',
    user_other_admin: 'pw .admin .reseller_admin',
  });
  const filter = tempauth(conf, ctx);
  const token = async (user: string, key: string) =>
    (await filter(request('/auth/v1.0', { 'x-auth-user': user, 'x-auth-key': key }), ok)).headers[
      'X-Auth-Token'
    ] as string;

  it('issues signed tokens that authorize the owner of the account', async () => {
    const t = await token('test:tester', 'testing');
    expect(t).toMatch(/^AUTH_tk/);
    const req = request('/v1/AUTH_test', { 'x-auth-token': t });
    await filter(req, ok);
    expect(authorize(req, { method: 'GET', account: 'AUTH_test' })).toBeUndefined();
    expect(authorize(req, { method: 'GET', account: 'AUTH_other' })?.status).toBe(403);
    expect(authorize(req, { method: 'DELETE', account: 'AUTH_test' })?.status).toBe(403);
  });

  it('refuses bad keys, forged and foreign tokens', async () => {
    expect(
      (
        await filter(
          request('/auth/v1.0', { 'x-auth-user': 'test:tester', 'x-auth-key': 'no' }),
          ok,
        )
      ).status,
    ).toBe(401);
    const t = await token('test:tester', 'testing');
    const forged = t.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await filter(request('/v1/AUTH_test', { 'x-auth-token': forged }), ok)).status).toBe(
      401,
    );
    const otherProxy = tempauth(
      ConfigSection.of('filter:tempauth', {
        token_secret: 'different',
        user_test_tester: 'testing .admin',
      }),
      ctx,
    );
    expect((await otherProxy(request('/v1/AUTH_test', { 'x-auth-token': t }), ok)).status).toBe(
      401,
    );
  });

  it('denies anonymous requests with 401 and plain users with 403 unless an ACL allows', async () => {
    const anonymous = request('/v1/AUTH_test/c');
    await filter(anonymous, ok);
    expect(
      authorize(anonymous, { method: 'GET', account: 'AUTH_test', container: 'c' })?.status,
    ).toBe(401);
    expect(
      authorize(anonymous, {
        method: 'GET',
        account: 'AUTH_test',
        container: 'c',
        object: 'o',
        readAcl: '.r:*',
      }),
    ).toBeUndefined();
    const plain = request('/v1/AUTH_test/c', {
      'x-auth-token': await token('test:tester3', 'testing3'),
    });
    await filter(plain, ok);
    expect(authorize(plain, { method: 'GET', account: 'AUTH_test', container: 'c' })?.status).toBe(
      403,
    );
    expect(
      authorize(plain, {
        method: 'GET',
        account: 'AUTH_test',
        container: 'c',
        readAcl: 'test:tester3',
      }),
    ).toBeUndefined();
    expect(
      authorize(plain, {
        method: 'PUT',
        account: 'AUTH_test',
        container: 'c',
        object: 'o',
        readAcl: 'test:tester3',
      })?.status,
    ).toBe(403);
    expect(
      authorize(plain, {
        method: 'PUT',
        account: 'AUTH_test',
        container: 'c',
        object: 'o',
        writeAcl: 'test:*',
      }),
    ).toBeUndefined();
  });

  it('lets a reseller admin in everywhere', async () => {
    const req = request('/v1/AUTH_test', { 'x-auth-token': await token('other:admin', 'pw') });
    await filter(req, ok);
    expect(authorize(req, { method: 'DELETE', account: 'AUTH_test' })).toBeUndefined();
  });
});

describe('ACL parsing', () => {
  it('reads groups, referrers and listings', () => {
    expect(parseAcl(' .r:*, .rlistings, test:tester3,.referrer:-bad.com ')).toEqual({
      groups: ['test:tester3'],
      referrers: ['*', '-bad.com'],
      listings: true,
    });
    expect(normalizeAcl(' a:b , .referrer:x.com,,')).toBe('a:b,.r:x.com');
  });

  it('matches referrers by host, domain suffix and denial', () => {
    expect(referrerAllowed(['*'], undefined)).toBe(true);
    expect(referrerAllowed(['example.com'], 'http://example.com/page')).toBe(true);
    expect(referrerAllowed(['.example.com'], 'http://www.example.com/')).toBe(true);
    expect(referrerAllowed(['*', '-evil.com'], 'http://evil.com/')).toBe(false);
    expect(referrerAllowed(['example.com'], 'not a url')).toBe(false);
  });

  it('matches account:* to any user of the account', () => {
    expect(groupAllowed(parseAcl('test:*'), ['test', 'test:x'])).toBe(true);
    expect(groupAllowed(parseAcl('test:*'), ['test2', 'test2:x'])).toBe(false);
  });
});

describe('API paths', () => {
  it('splits and decodes /v1 paths', () => {
    expect(parseApiPath('/v1/AUTH_a/c/d%20e/f')).toEqual({
      account: 'AUTH_a',
      container: 'c',
      object: 'd e/f',
    });
    expect(parseApiPath('/v1.0/AUTH_a')).toEqual({ account: 'AUTH_a' });
    expect(parseApiPath('/v1/AUTH_a/c/')).toEqual({ account: 'AUTH_a', container: 'c' });
    expect(parseApiPath('/v2/AUTH_a')).toBeUndefined();
    expect(parseApiPath('/v1/AUTH_a//o')).toBeUndefined();
    expect(() => parseApiPath('/v1/AUTH_a/c/%00')).toThrow('Invalid UTF8 or contains NULL');
  });
});

describe('subrequests through the pipeline', () => {
  it('lets a filter send new requests down the rest of the pipeline', async () => {
    const seen: string[] = [];
    const app = compose(
      [
        async (req, next) => {
          const main = await next(req);
          const sub = await next(request('/sub'));
          return {
            status: main.status,
            headers: {},
            body: `${main.body as string}+${sub.body as string}`,
          };
        },
        async (req, next) => {
          seen.push(req.rawPath);
          return next(req);
        },
      ],
      async (req) => ({ status: 200, headers: {}, body: req.rawPath }),
    );
    expect((await app(request('/main'))).body).toBe('/main+/sub');
    expect(seen).toEqual(['/main', '/sub']);
  });
});
