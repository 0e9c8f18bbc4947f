/**
 * TempURL's signature rules against vectors made with Python (hmac, and python-swiftclient's
 * generate_temp_url), so both sides of the HMAC are checked independently.
 */
import { describe, expect, it } from 'vitest';
import { ConfigSection } from '../../../common/config.js';
import { createLogger } from '../../../common/logger.js';
import { headerRemover } from '../../../proxy/tempurl/header-rules.js';
import { ipInRange } from '../../../proxy/tempurl/ip-range.js';
import { keysIn, type ScopedKey } from '../../../proxy/tempurl/keys.js';
import {
  parseExpires,
  parseSignature,
  readAllowedDigests,
  tempUrlMessage,
  hmacHex,
} from '../../../proxy/tempurl/signature.js';
import {
  contentDisposition,
  readTempUrlParams,
  tempUrlTarget,
  verifyTempUrl,
  type TempUrlCheck,
} from '../../../proxy/tempurl/verify.js';
import { quote } from '../../../proxy/web-quoting.js';

const silent = createLogger({ server: 'test', level: 'silent' });
const EXPIRES = 1323479485;
const NOW = EXPIRES - 100;
const PATH = '/v1/AUTH_account/container/object';
// hmac.new(b'mykey', b'GET\n1323479485\n/v1/AUTH_account/container/object', <digest>)
const SHA1 = 'd9fc2067e52b06598421664cf6610bfc8fc431f6';
const SHA256 = '05cb4ea08a08f2fdaef35d0f344975370077835c23bdc9342099ecbf03bc0378';
const SHA512 =
  'cd90f5bb657464b0f1861ad13c5ad8cc67f51f4c881dce90bfc90086931ccb89a0b8d23c6cff7d4afe02d873b0035385d3025497bbd7f0ca35d61bf9936db77d';
const SHA512_B64 =
  'zZD1u2V0ZLDxhhrRPFrYzGf1H0yIHc6Qv8kAhpMcy4mguNI8bP99Sv4C2HOwA1OF0wJUl7vX8Mo11hv5k223fQ==';

describe('signatures', () => {
  it('computes the HMAC of METHOD\\nEXPIRES\\nPATH as Python does', () => {
    const message = tempUrlMessage('GET', EXPIRES, PATH);
    expect(hmacHex('mykey', message, 'sha1')).toBe(SHA1);
    expect(hmacHex('mykey', message, 'sha256')).toBe(SHA256);
    expect(hmacHex('mykey', message, 'sha512')).toBe(SHA512);
    expect(tempUrlMessage('GET', EXPIRES, PATH, '1.2.3.0/24')).toBe(`ip=1.2.3.0/24\n${message}`);
  });

  it('reads hex by its length and <digest>:<base64> in both alphabets', () => {
    expect(parseSignature(SHA1)).toEqual({ algorithm: 'sha1', hex: SHA1 });
    expect(parseSignature(SHA256)).toEqual({ algorithm: 'sha256', hex: SHA256 });
    expect(parseSignature(SHA512)).toEqual({ algorithm: 'sha512', hex: SHA512 });
    expect(parseSignature(`sha512:${SHA512_B64}`)).toEqual({ algorithm: 'sha512', hex: SHA512 });
    const standard = Buffer.from(SHA512, 'hex').toString('base64').replace(/=+$/, '');
    expect(parseSignature(`sha512:${standard}`)?.hex).toBe(SHA512);
  });

  it('refuses signatures that are not hex of a known length or clean base64', () => {
    expect(parseSignature('')).toBeUndefined();
    expect(parseSignature(SHA1.slice(1))).toBeUndefined();
    expect(parseSignature(`${SHA1.slice(1)}z`)).toBeUndefined();
    expect(parseSignature('sha512:not*base64')).toBeUndefined();
    expect(parseSignature('sha512:abcde')).toBeUndefined();
  });

  it('reads expiry as an integer or ISO 8601 UTC, and 0 for garbage or the past', () => {
    expect(parseExpires(String(EXPIRES), NOW)).toBe(EXPIRES);
    expect(parseExpires(' +1323479485 ', NOW)).toBe(EXPIRES);
    expect(parseExpires('2011-12-10T01:11:25Z', NOW)).toBe(EXPIRES);
    expect(parseExpires('2011-12-10T01:11:25', NOW)).toBe(0);
    expect(parseExpires('2011-02-30T01:11:25Z', NOW)).toBe(0);
    expect(parseExpires('soon', NOW)).toBe(0);
    expect(parseExpires(String(EXPIRES), EXPIRES + 1)).toBe(0);
  });

  it('takes allowed_digests from the config, default all, and refuses an empty choice', () => {
    const section = (values: Record<string, string>) => ConfigSection.of('filter:tempurl', values);
    expect(readAllowedDigests(section({}), silent)).toEqual({
      allowed: ['sha1', 'sha256', 'sha512'],
      deprecated: ['sha1'],
    });
    expect(readAllowedDigests(section({ allowed_digests: 'SHA512 md5' }), silent)).toEqual({
      allowed: ['sha512'],
      deprecated: [],
    });
    expect(() => readAllowedDigests(section({ allowed_digests: 'md5' }), silent)).toThrow(
      /no valid digest/,
    );
  });
});

describe('verifyTempUrl', () => {
  const accountKey: ScopedKey = { key: 'mykey', scope: 'account' };
  const check = (overrides: Partial<TempUrlCheck> & { query?: string }): Promise<unknown> => {
    const query = new URLSearchParams(
      overrides.query ?? `temp_url_sig=${SHA256}&temp_url_expires=${EXPIRES}`,
    );
    return verifyTempUrl({
      method: 'GET',
      target: { account: 'AUTH_account', container: 'container', object: 'object' },
      params: readTempUrlParams(query),
      clientIp: '127.0.0.1',
      loadKeys: async () => [accountKey],
      allowedDigests: ['sha1', 'sha256', 'sha512'],
      nowSeconds: NOW,
      ...overrides,
    });
  };

  it('grants a good signature with its scope and expiry', async () => {
    expect(await check({})).toEqual({
      account: 'AUTH_account',
      container: 'container',
      object: 'object',
      scope: 'account',
      expires: EXPIRES,
    });
    expect(await check({ loadKeys: async () => [{ key: 'mykey', scope: 'container' }] })).toEqual(
      expect.objectContaining({ scope: 'container' }),
    );
    expect(
      await check({ query: `temp_url_sig=sha512:${SHA512_B64}&temp_url_expires=${EXPIRES}` }),
    ).toBeTruthy();
    expect(
      await check({ query: `temp_url_sig=${SHA1}&temp_url_expires=2011-12-10T01:11:25Z` }),
    ).toBeTruthy();
  });

  it('uses the second key when the first does not match (key rotation)', async () => {
    expect(
      await check({
        loadKeys: async () => [
          { key: 'old', scope: 'account' },
          { key: 'mykey', scope: 'container' },
        ],
      }),
    ).toEqual(expect.objectContaining({ scope: 'container' }));
  });

  it('refuses forged, expired, other-method, other-path and disallowed-digest URLs', async () => {
    const forged = `${SHA256.slice(0, -1)}${SHA256.endsWith('0') ? '1' : '0'}`;
    expect(await check({ query: `temp_url_sig=${forged}&temp_url_expires=${EXPIRES}` })).toBe(
      undefined,
    );
    expect(await check({ nowSeconds: EXPIRES + 1 })).toBeUndefined();
    expect(await check({ method: 'PUT' })).toBeUndefined();
    expect(await check({ method: 'DELETE' })).toBeUndefined();
    expect(
      await check({ target: { account: 'AUTH_account', container: 'container', object: 'other' } }),
    ).toBeUndefined();
    expect(await check({ allowedDigests: ['sha512'] })).toBeUndefined();
    expect(await check({ loadKeys: async () => [] })).toBeUndefined();
    expect(await check({ query: `temp_url_sig=${SHA256}` })).toBeUndefined();
    expect(
      await check({ query: `temp_url_sig=${SHA256.toUpperCase()}&temp_url_expires=${EXPIRES}` }),
    ).toBe(undefined);
  });

  it('lets a HEAD in on a GET, PUT or POST signature, but nothing else on a HEAD one', async () => {
    expect(await check({ method: 'HEAD' })).toBeTruthy();
    const put = hmacHex('mykey', tempUrlMessage('PUT', EXPIRES, PATH), 'sha256');
    expect(
      await check({ method: 'HEAD', query: `temp_url_sig=${put}&temp_url_expires=${EXPIRES}` }),
    ).toBeTruthy();
    const head = hmacHex('mykey', tempUrlMessage('HEAD', EXPIRES, PATH), 'sha256');
    expect(
      await check({ method: 'GET', query: `temp_url_sig=${head}&temp_url_expires=${EXPIRES}` }),
    ).toBeUndefined();
  });

  it('checks prefix signatures against the prefix and the object name', async () => {
    // generate_temp_url('/v1/AUTH_account/container/pre', 1323479485, 'mykey', 'GET', prefix=True)
    const sig = 'f6d0abf5d9aeff3aeeaab9f8f6725282083d9b9d2e9bcaf7eed764a4b45adc0c';
    const query = `temp_url_sig=${sig}&temp_url_expires=${EXPIRES}&temp_url_prefix=pre`;
    const target = (object: string) => ({
      account: 'AUTH_account',
      container: 'container',
      object,
    });
    expect(await check({ query, target: target('pre/sub/obj') })).toBeTruthy();
    expect(await check({ query, target: target('prefix-match') })).toBeTruthy();
    expect(await check({ query, target: target('other') })).toBeUndefined();
    expect(
      await check({
        query: query.replace('temp_url_prefix=pre', 'temp_url_prefix=p'),
        target: target('pre/x'),
      }),
    ).toBeUndefined();
  });

  it('checks ip-range signatures against the client address', async () => {
    // generate_temp_url(PATH, 1323479485, 'mykey', 'GET', ip_range='1.2.3.0/24')
    const sig = '7929a934eb61018404dd3d0d4bc9e1f25108977c8491640c5fd60f57b28b8c6b';
    const query = `temp_url_sig=${sig}&temp_url_expires=${EXPIRES}&temp_url_ip_range=1.2.3.0/24`;
    expect(await check({ query, clientIp: '1.2.3.99' })).toBeTruthy();
    expect(await check({ query, clientIp: '::ffff:1.2.3.4' })).toBeTruthy();
    expect(await check({ query, clientIp: '1.2.4.1' })).toBeUndefined();
  });

  it('does not fetch keys for a URL that is malformed or expired anyway', async () => {
    let loads = 0;
    const loadKeys = async () => {
      loads += 1;
      return [accountKey];
    };
    await check({ loadKeys, query: `temp_url_sig=nothex&temp_url_expires=${EXPIRES}` });
    await check({ loadKeys, nowSeconds: EXPIRES + 10 });
    expect(loads).toBe(0);
    await check({ loadKeys });
    expect(loads).toBe(1);
  });
});

describe('tempUrlTarget', () => {
  const methods = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'];

  it('names objects under /v1 only, decoded, for the configured methods', () => {
    expect(tempUrlTarget('GET', '/v1/AUTH_a/c/dir/o%20x', methods)).toEqual({
      account: 'AUTH_a',
      container: 'c',
      object: 'dir/o x',
    });
    expect(tempUrlTarget('GET', '/v1/AUTH_a/c', methods)).toBeUndefined();
    expect(tempUrlTarget('GET', '/v1/AUTH_a/c/', methods)).toBeUndefined();
    expect(tempUrlTarget('GET', '/v1/AUTH_a/c///', methods)).toBeUndefined();
    expect(tempUrlTarget('GET', '/v1.0/AUTH_a/c/o', methods)).toBeUndefined();
    expect(tempUrlTarget('GET', '/v1/AUTH_a/c/%FF', methods)).toBeUndefined();
    expect(tempUrlTarget('COPY', '/v1/AUTH_a/c/o', methods)).toBeUndefined();
    expect(tempUrlTarget('DELETE', '/v1/AUTH_a/c/o', ['GET', 'HEAD'])).toBeUndefined();
  });
});

describe('download headers and header lists', () => {
  const params = (query: string) => readTempUrlParams(new URLSearchParams(query));

  it('sets Content-Disposition in Swift order: inline, filename, the object’s own, its name', () => {
    // Python: disposition_format('attachment', 'My Test "File" ü.pdf')
    expect(contentDisposition(params('filename=My Test "File" ü.pdf'), undefined, 'o', quote)).toBe(
      `attachment; filename="My Test %22File%22 %C3%BC.pdf"; filename*=UTF-8''My%20Test%20%22File%22%20%C3%BC.pdf`,
    );
    expect(contentDisposition(params('inline'), 'attachment', 'o', quote)).toBe('inline');
    expect(contentDisposition(params('inline&filename=a.pdf'), undefined, 'o', quote)).toBe(
      `inline; filename="a.pdf"; filename*=UTF-8''a.pdf`,
    );
    expect(contentDisposition(params(''), 'attachment; x', 'dir/o', quote)).toBe('attachment; x');
    expect(contentDisposition(params(''), undefined, 'dir/report.pdf', quote)).toBe(
      `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`,
    );
  });

  it('removes listed headers with prefix patterns, except the allowed ones', () => {
    const remove = headerRemover(['x-object-meta-*', 'X-Timestamp'], ['x-object-meta-public-*']);
    expect(remove('X-Object-Meta-Secret')).toBe(true);
    expect(remove('x-timestamp')).toBe(true);
    expect(remove('X-Object-Meta-Public-Name')).toBe(false);
    expect(remove('content-type')).toBe(false);
  });

  it('reads Temp-URL keys from HEAD headers, ignoring empty ones', () => {
    expect(
      keysIn(
        { 'x-account-meta-temp-url-key': 'a', 'x-account-meta-temp-url-key-2': '' },
        'account',
      ),
    ).toEqual(['a']);
    expect(keysIn({ 'x-container-meta-temp-url-key-2': 'b' }, 'container')).toEqual(['b']);
  });
});

describe('ipInRange', () => {
  it('matches IPv4 and IPv6 networks and single addresses', () => {
    expect(ipInRange('10.1.2.3', '10.0.0.0/8')).toBe(true);
    expect(ipInRange('11.1.2.3', '10.0.0.0/8')).toBe(false);
    expect(ipInRange('127.0.0.1', '127.0.0.1')).toBe(true);
    expect(ipInRange('2001:db8::1', '2001:db8::/32')).toBe(true);
    expect(ipInRange('2001:db9::1', '2001:db8::/32')).toBe(false);
    expect(ipInRange('::1', '::1')).toBe(true);
    expect(ipInRange('10.0.0.1', '::/0')).toBe(false);
  });

  it('refuses ranges Python’s ip_network refuses (host bits set, bad prefix, not an address)', () => {
    expect(ipInRange('1.2.3.4', '1.2.3.4/24')).toBeUndefined();
    expect(ipInRange('1.2.3.4', '1.2.3.0/33')).toBeUndefined();
    expect(ipInRange('1.2.3.4', 'example.com')).toBeUndefined();
  });
});
