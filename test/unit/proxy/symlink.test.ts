import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigSection } from '../../../common/config.js';
import type { StratusError } from '../../../common/errors.js';
import type { ProxyContext } from '../../../proxy/context.js';
import { symlink } from '../../../proxy/middleware/symlink.js';
import type { ProxyResponse } from '../../../proxy/pipeline.js';
import { followSymlinks } from '../../../proxy/symlink/follow.js';
import {
  listingEtag,
  sysmetaToClient,
  toSysmeta,
  validateTarget,
} from '../../../proxy/symlink/headers.js';
import { addSymlinkPaths, withSymlinkFields } from '../../../proxy/symlink/listing.js';

/** The status of the StratusError `fn` throws (undefined when it does not throw). */
function thrownStatus(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    return (err as StratusError).status;
  }
  return undefined;
}

const self = { account: 'AUTH_a', container: 'c', object: 'link' };

describe('symlink headers', () => {
  it('normalises a target and defaults the content type of dynamic links', () => {
    const headers: Record<string, string> = { 'x-symlink-target': 'c%20x/o%C3%A9' };
    expect(validateTarget(headers, self)).toEqual({ path: '/v1/AUTH_a/c%20x/o%C3%A9' });
    expect(headers['content-type']).toBe('application/symlink');
    const remote: Record<string, string> = {
      'x-symlink-target': 'c/o',
      'x-symlink-target-account': 'AUTH_b',
      'x-symlink-target-etag': '"abc"',
      'content-type': 'text/plain',
    };
    expect(validateTarget(remote, self)).toEqual({ path: '/v1/AUTH_b/c/o', etag: 'abc' });
    expect(remote['content-type']).toBe('text/plain');
  });

  it('refuses malformed targets (412), self-links and bad ETags (400)', () => {
    const check = (headers: Record<string, string>) => () => validateTarget(headers, self);
    for (const target of ['/c/o', '%2Fc/o', 'c', 'c/', ''])
      expect(thrownStatus(check({ 'x-symlink-target': target }))).toBe(412);
    expect(check({ 'x-symlink-target': 'c/o', 'x-symlink-target-account': '' })).toThrow(
      'Account name cannot be empty',
    );
    expect(check({ 'x-symlink-target': 'c/link' })).toThrow('Symlink cannot target itself');
    expect(
      check({ 'x-symlink-target': 'c/link', 'x-symlink-target-account': 'AUTH_other' }),
    ).not.toThrow();
    for (const etag of ['a;b', 'a"b', 'a\\b'])
      expect(check({ 'x-symlink-target': 'c/o', 'x-symlink-target-etag': etag })).toThrow(
        'Bad X-Symlink-Target-Etag format',
      );
  });

  it('stores targets as system metadata and shows them back to clients', () => {
    const headers: Record<string, string> = {
      'x-symlink-target': 'c/o',
      'x-symlink-target-account': 'AUTH_b',
      'x-symlink-target-etag': 'e',
    };
    toSysmeta(headers);
    expect(headers).toEqual({
      'x-object-sysmeta-symlink-target': 'c/o',
      'x-object-sysmeta-symlink-target-account': 'AUTH_b',
    });
    headers['x-object-sysmeta-symlink-target-etag'] = 'e';
    headers['x-object-sysmeta-symlink-target-bytes'] = '5';
    expect(listingEtag(headers)).toBe(
      'd41d8cd98f00b204e9800998ecf8427e; symlink_target=c/o; symlink_target_account=AUTH_b; ' +
        'symlink_target_etag=e; symlink_target_bytes=5',
    );
    const response: ProxyResponse = {
      status: 200,
      headers: {
        'X-Object-Sysmeta-Symlink-Target': 'c/o',
        'X-Object-Sysmeta-Symlink-Target-Etag': 'e',
        'X-Object-Meta-A': 'b',
      },
    };
    sysmetaToClient(response);
    expect(response.headers).toEqual({
      'X-Symlink-Target': 'c/o',
      'X-Symlink-Target-Etag': 'e',
      'X-Object-Meta-A': 'b',
    });
  });
});

describe('JSON listings', () => {
  it('adds symlink_path (and static link fields) from the listing ETag', () => {
    expect(
      withSymlinkFields(
        {
          hash: 'd41d8cd98f00b204e9800998ecf8427e; symlink_target=c/o; symlink_target_etag=e; symlink_target_bytes=7; slo_etag=x',
          bytes: 0,
          name: 'l',
        },
        'v1',
        'AUTH_a',
      ),
    ).toEqual({
      hash: 'd41d8cd98f00b204e9800998ecf8427e; slo_etag=x',
      bytes: 0,
      name: 'l',
      symlink_etag: 'e',
      symlink_bytes: 7,
      symlink_path: '/v1/AUTH_a/c/o',
    });
    const listing =
      '[{"hash": "d41d; symlink_target=c/o; symlink_target_account=AUTH_b", "last_modified": "2025-01-01T00:00:00.000000", "bytes": 0, "name": "\\u00e9", "content_type": "application/symlink"}, {"subdir": "d/"}]';
    expect(addSymlinkPaths(listing, 'v1', 'AUTH_a')).toBe(
      '[{"hash": "d41d", "last_modified": "2025-01-01T00:00:00.000000", "bytes": 0, "name": "\\u00e9", "content_type": "application/symlink", "symlink_path": "/v1/AUTH_b/c/o"}, {"subdir": "d/"}]',
    );
    expect(addSymlinkPaths('[{"hash": "abc", "name": "o"}]', 'v1', 'AUTH_a')).toBeUndefined();
  });
});

/** A tiny object store for the follower: paths to responses (links carry sysmeta). */
function store(objects: Record<string, Record<string, string>>) {
  const fetched: string[] = [];
  const fetch = async (path: string): Promise<ProxyResponse> => {
    fetched.push(path);
    const headers = objects[path];
    if (!headers) return { status: 404, headers: {} };
    return { status: 200, headers: { ...headers }, body: Readable.from([Buffer.from('x')]) };
  };
  return { fetch, fetched };
}
const linkTo = (target: string, extra: Record<string, string> = {}) => ({
  'X-Object-Sysmeta-Symlink-Target': target,
  Etag: 'd41d8cd98f00b204e9800998ecf8427e',
  ...extra,
});

describe('following links', () => {
  const objects = {
    '/v1/AUTH_a/c/data': { Etag: 'data-etag' },
    '/v1/AUTH_a/c/l1': linkTo('c/data'),
    '/v1/AUTH_a/c/l2': linkTo('c/l1'),
    '/v1/AUTH_a/c/l3': linkTo('c/l2'),
    '/v1/AUTH_a/c/loop1': linkTo('c/loop2'),
    '/v1/AUTH_a/c/loop2': linkTo('c/loop1'),
    '/v1/AUTH_b/c/remote': { Etag: 'remote' },
    '/v1/AUTH_a/c/to-remote': linkTo('c/remote', {
      'X-Object-Sysmeta-Symlink-Target-Account': 'AUTH_b',
    }),
    '/v1/AUTH_a/c/static': linkTo('c/data', {
      'X-Object-Sysmeta-Symlink-Target-Etag': 'data-etag',
    }),
    '/v1/AUTH_a/c/stale': linkTo('c/data', { 'X-Object-Sysmeta-Symlink-Target-Etag': 'old' }),
    '/v1/AUTH_a/c/extend': linkTo('c/l2', { 'X-Object-Sysmeta-Symloop-Extend': 'true' }),
  };
  const follow = async (path: string, symloopMax = 2) => {
    const { fetch, fetched } = store(objects);
    const response = await followSymlinks(await fetch(path), {
      symloopMax,
      account: path.split('/')[2]!,
      fetch,
    });
    return { response, fetched };
  };

  it('returns a non-link as it is, without Content-Location', async () => {
    const { response } = await follow('/v1/AUTH_a/c/data');
    expect(response.status).toBe(200);
    expect(response.headers['Content-Location']).toBeUndefined();
  });

  it('follows up to symloop_max links and says where it ended', async () => {
    const { response, fetched } = await follow('/v1/AUTH_a/c/l2');
    expect(response.status).toBe(200);
    expect(response.headers.Etag).toBe('data-etag');
    expect(response.headers['Content-Location']).toBe('/v1/AUTH_a/c/data');
    expect(fetched).toEqual(['/v1/AUTH_a/c/l2', '/v1/AUTH_a/c/l1', '/v1/AUTH_a/c/data']);
  });

  it('refuses chains longer than symloop_max and loops with 409', async () => {
    const long = await follow('/v1/AUTH_a/c/l3');
    expect(long.response.status).toBe(409);
    expect(long.response.body).toBe('Too many levels of symbolic links, maximum allowed is 2');
    expect((await follow('/v1/AUTH_a/c/l3', 3)).response.status).toBe(200);
    const loop = await follow('/v1/AUTH_a/c/loop1', 5);
    expect(loop.response.status).toBe(409);
    expect(loop.fetched).toHaveLength(6);
  });

  it('does not count links marked symloop-extend', async () => {
    expect((await follow('/v1/AUTH_a/c/extend')).response.status).toBe(200);
  });

  it('answers a dangling link with the 404 of its target', async () => {
    const { fetch } = store({ '/v1/AUTH_a/c/d': linkTo('c/none') });
    const response = await followSymlinks(await fetch('/v1/AUTH_a/c/d'), {
      symloopMax: 2,
      account: 'AUTH_a',
      fetch,
    });
    expect(response.status).toBe(404);
    expect(response.headers['Content-Location']).toBe('/v1/AUTH_a/c/none');
  });

  it('follows into the account a link names', async () => {
    const { response } = await follow('/v1/AUTH_a/c/to-remote');
    expect(response.headers['Content-Location']).toBe('/v1/AUTH_b/c/remote');
  });

  it('checks a static link’s ETag against its target (409 when it changed)', async () => {
    expect((await follow('/v1/AUTH_a/c/static')).response.status).toBe(200);
    const stale = await follow('/v1/AUTH_a/c/stale');
    expect(stale.response.status).toBe(409);
    expect(stale.response.headers['Content-Location']).toBe('/v1/AUTH_a/c/data');
  });

  it('treats a dynamic link as the object itself when validating a static link', async () => {
    const { fetch } = store(objects);
    const asObject = await followSymlinks(await fetch('/v1/AUTH_a/c/l1'), {
      symloopMax: 2,
      account: 'AUTH_a',
      fetch,
      targetEtag: 'd41d8cd98f00b204e9800998ecf8427e',
      followDynamic: false,
      lastTarget: '/v1/AUTH_a/c/l1',
    });
    expect(asObject.status).toBe(200);
    const wrong = await followSymlinks(await fetch('/v1/AUTH_a/c/l1'), {
      symloopMax: 2,
      account: 'AUTH_a',
      fetch,
      targetEtag: 'data-etag',
      followDynamic: false,
    });
    expect(wrong.status).toBe(409);
  });
});

describe('filter', () => {
  it('publishes symloop_max (at least 1) and static links in /info', () => {
    for (const [given, expected] of [
      [undefined, 2],
      [5, 5],
      [0, 2],
    ] as const) {
      const ctx = { capabilities: {} } as unknown as ProxyContext;
      symlink(
        ConfigSection.of('filter:symlink', given === undefined ? {} : { symloop_max: given }),
        ctx,
      );
      expect(ctx.capabilities.symlink).toEqual({ symloop_max: expected, static_links: true });
    }
  });
});
