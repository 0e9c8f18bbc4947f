import { describe, expect, it } from 'vitest';
import { ConfigSection } from '../../../common/config.js';
import { readKeystoneAuthConfig, readResellerPrefixes } from '../../../proxy/keystone/config.js';
import {
  accountPrefix,
  crossProjectMatch,
  decide,
  decideAnonymous,
  namesAllowed,
  projectDomainToRecord,
  UNKNOWN_DOMAIN_ID,
  type DecisionInput,
  type KeystoneRules,
} from '../../../proxy/keystone/rules.js';
import type { KeystoneIdentity } from '../../../proxy/keystone/token.js';
import { identityFromTokenBody } from '../../../proxy/keystone/token.js';

const rules: KeystoneRules = readKeystoneAuthConfig(
  ConfigSection.of('filter:keystoneauth', { auth_url: 'http://127.0.0.1:5000/v3' }),
)!.rules;

function user(
  roles: string[],
  project = { id: 'p1', name: 'alpha' },
  who = { id: 'u1', name: 'ann' },
  domainId = 'default',
): KeystoneIdentity {
  return {
    user: { ...who, domainId },
    project: { ...project, domainId },
    roles,
    expiresAt: Date.now() + 3_600_000,
  };
}

const at = (
  method: string,
  account: string,
  extra: Partial<DecisionInput> = {},
): DecisionInput => ({ method, account, ...extra });

const verdict = (identity: KeystoneIdentity, input: DecisionInput) => {
  const d = decide(rules, identity, input);
  return d.allow ? (d.owner ? 'owner' : 'allow') : 'deny';
};

describe('keystoneauth roles', () => {
  it('lets operator roles (admin, member) own their project’s account and nothing else', () => {
    for (const role of ['admin', 'member', 'Member']) {
      const u = user([role]);
      expect(verdict(u, at('PUT', 'AUTH_p1', { container: 'c' }))).toBe('owner');
      expect(verdict(u, at('POST', 'AUTH_p1'))).toBe('owner');
      expect(verdict(u, at('GET', 'AUTH_p1', { container: 'c', object: 'o' }))).toBe('owner');
      expect(verdict(u, at('GET', 'AUTH_p2'))).toBe('deny');
      expect(verdict(u, at('PUT', 'AUTH_p2', { container: 'c' }))).toBe('deny');
    }
  });

  it('lets a reader read its project’s account but not write it', () => {
    const reader = user(['reader']);
    expect(verdict(reader, at('GET', 'AUTH_p1'))).toBe('allow');
    expect(verdict(reader, at('HEAD', 'AUTH_p1', { container: 'c', object: 'o' }))).toBe('allow');
    for (const method of ['PUT', 'POST', 'DELETE'])
      expect(verdict(reader, at(method, 'AUTH_p1', { container: 'c', object: 'o' }))).toBe('deny');
    expect(verdict(reader, at('POST', 'AUTH_p1'))).toBe('deny');
    expect(verdict(reader, at('GET', 'AUTH_p2'))).toBe('deny');
  });

  it('gives a user without a known role nothing, and an unscoped token nothing', () => {
    expect(verdict(user(['swiftoperator']), at('GET', 'AUTH_p1'))).toBe('deny');
    const unscoped = { ...user(['admin']), project: undefined };
    expect(verdict(unscoped, at('GET', 'AUTH_p1'))).toBe('deny');
  });

  it('lets the reseller admin role own every account (any case), and delete accounts', () => {
    const reseller = user(['resellerADMIN']);
    expect(verdict(reseller, at('DELETE', 'AUTH_p2'))).toBe('owner');
    expect(verdict(reseller, at('PUT', 'AUTH_other', { container: 'c' }))).toBe('owner');
  });

  it('refuses account DELETE to everyone else, owners included', () => {
    expect(verdict(user(['admin']), at('DELETE', 'AUTH_p1'))).toBe('deny');
  });

  it('lets system reader roles read every account, only when configured', () => {
    const withSystem = { ...rules, systemReaderRoles: ['auditor'] };
    const auditor = user(['auditor']);
    expect(decide(withSystem, auditor, at('GET', 'AUTH_p9')).allow).toBe(true);
    expect(decide(withSystem, auditor, at('PUT', 'AUTH_p9', { container: 'c' })).allow).toBe(false);
    expect(decide(rules, auditor, at('GET', 'AUTH_p9')).allow).toBe(false);
  });

  it('always lets OPTIONS through', () => {
    expect(verdict(user([]), at('OPTIONS', 'AUTH_p2', { container: 'c' }))).toBe('allow');
  });

  it('honours operator roles per reseller prefix', () => {
    const config = readKeystoneAuthConfig(
      ConfigSection.of('filter:keystoneauth', {
        auth_url: 'http://k/v3',
        reseller_prefix: 'AUTH, SERVICE',
        SERVICE_operator_roles: 'service',
      }),
    )!;
    const member = user(['member']);
    expect(decide(config.rules, member, at('PUT', 'AUTH_p1', { container: 'c' })).allow).toBe(true);
    expect(decide(config.rules, member, at('PUT', 'SERVICE_p1', { container: 'c' })).allow).toBe(
      false,
    );
    expect(
      decide(config.rules, user(['service']), at('PUT', 'SERVICE_p1', { container: 'c' })).allow,
    ).toBe(true);
  });
});

describe('keystoneauth container ACLs', () => {
  const bob = user(['member'], { id: 'p2', name: 'beta' }, { id: 'u2', name: 'bob' });
  // The filter reads a foreign account before deciding: here it is in the default domain.
  const accountFacts = { exists: true, domainId: 'default' };
  const read = (acl: string, who = bob, extra: Partial<DecisionInput> = {}) =>
    verdict(
      who,
      at('GET', 'AUTH_p1', { container: 'c', object: 'o', acl, accountFacts, ...extra }),
    );

  it('matches project:user by ids, names and wildcards', () => {
    expect(read('p2:u2')).toBe('allow');
    expect(read('beta:bob')).toBe('allow');
    expect(read('p2:*')).toBe('allow');
    expect(read('beta:*')).toBe('allow');
    expect(read('*:u2')).toBe('allow');
    expect(read('*:bob')).toBe('allow');
    expect(read('*:*')).toBe('allow');
    expect(read('p2:u3, p3:u2, alpha:bob')).toBe('deny');
    expect(read('p2')).toBe('deny'); // a bare name is a role, and only in one's own project
  });

  it('does not match names when either side is outside the default domain', () => {
    const elsewhere = user(['member'], { id: 'p2', name: 'beta' }, { id: 'u2', name: 'bob' }, 'd2');
    expect(read('beta:bob', elsewhere)).toBe('deny');
    expect(read('p2:u2', elsewhere)).toBe('allow');
    const foreignAccount = { exists: true, domainId: 'd2' };
    expect(namesAllowed(rules, bob, 'AUTH_p1', { exists: true, domainId: 'default' })).toBeTruthy();
    expect(namesAllowed(rules, bob, 'AUTH_p1', foreignAccount)).toBe(false);
    expect(namesAllowed(rules, bob, 'AUTH_p1', undefined)).toBe(false);
    expect(namesAllowed(rules, bob, 'AUTH_p2', undefined)).toBe(true); // its own account
    expect(namesAllowed({ ...rules, allowNamesInAcls: false }, bob, 'AUTH_p2', undefined)).toBe(
      false,
    );
  });

  it('uses the write ACL for writes', () => {
    const write = (acl: string) =>
      verdict(bob, at('PUT', 'AUTH_p1', { container: 'c', object: 'o', acl, accountFacts }));
    expect(write('p2:u2')).toBe('allow');
    expect(write('p3:*')).toBe('deny');
  });

  it('lets referrers read objects, and list only with .rlistings', () => {
    const stranger = user(['member'], { id: 'p9', name: 'x' });
    expect(read('.r:*', stranger)).toBe('allow');
    expect(verdict(stranger, at('GET', 'AUTH_p1', { container: 'c', acl: '.r:*' }))).toBe('deny');
    expect(
      verdict(stranger, at('GET', 'AUTH_p1', { container: 'c', acl: '.r:*,.rlistings' })),
    ).toBe('allow');
    expect(read('.r:.example.com', stranger, { referer: 'http://www.example.com/page' })).toBe(
      'allow',
    );
    expect(read('.r:.example.com', stranger, { referer: 'http://evil.test/' })).toBe('deny');
  });

  it('grants by role name within one’s own project only', () => {
    const helper = user(['helper']);
    expect(read('helper', helper)).toBe('allow');
    expect(verdict(helper, at('GET', 'AUTH_p2', { container: 'c', acl: 'helper' }))).toBe('deny');
  });

  it('returns the matching entry', () => {
    expect(crossProjectMatch(bob, ['x:y', 'p2:*'], false)).toBe('p2:*');
    expect(crossProjectMatch(bob, ['beta:bob'], false)).toBeUndefined();
  });
});

describe('keystoneauth account ACLs', () => {
  const bob = user(['member'], { id: 'p2', name: 'beta' }, { id: 'u2', name: 'bob' });
  const facts = (acls: Partial<Record<'admin' | 'read-write' | 'read-only', string[]>>) => ({
    exists: true,
    domainId: 'default',
    acls: { admin: [], 'read-write': [], 'read-only': [], ...acls },
  });
  const on = (method: string, f: ReturnType<typeof facts>, container?: string) =>
    verdict(bob, at(method, 'AUTH_p1', { container, accountFacts: f }));

  it('grants read-only, read-write and admin as tempauth does', () => {
    const ro = facts({ 'read-only': ['p2:u2'] });
    expect(on('GET', ro)).toBe('allow');
    expect(on('GET', ro, 'c')).toBe('allow');
    expect(on('PUT', ro, 'c')).toBe('deny');

    const rw = facts({ 'read-write': ['beta:*'] });
    expect(on('PUT', rw, 'c')).toBe('allow');
    expect(on('DELETE', rw, 'c')).toBe('allow');
    expect(on('POST', rw)).toBe('deny');

    const admin = facts({ admin: ['*:bob'] });
    expect(on('POST', admin)).toBe('owner');
    expect(on('PUT', admin, 'c')).toBe('owner');
    expect(on('DELETE', admin)).toBe('deny');
    expect(on('PUT', admin)).toBe('deny');
  });

  it('grants nothing to users not named', () => {
    expect(on('GET', facts({ admin: ['p3:*'], 'read-only': ['alpha:bob'] }))).toBe('deny');
  });
});

describe('keystoneauth anonymous requests', () => {
  it('allow referrer ACLs on accounts with the reseller prefix only', () => {
    const get = (account: string, acl: string) =>
      decideAnonymous(rules, at('GET', account, { container: 'c', object: 'o', acl })).allow;
    expect(get('AUTH_p1', '.r:*')).toBe(true);
    expect(get('AUTH_p1', 'p1:*')).toBe(false);
    expect(get('OTHER_p1', '.r:*')).toBe(false);
    expect(decideAnonymous(rules, at('OPTIONS', 'AUTH_p1')).allow).toBe(true);
  });
});

describe('keystoneauth project domain recording', () => {
  const ann = user(['member']);
  const record = (
    method: string,
    account: string,
    facts: { exists: boolean; domainId?: string } | undefined,
    container?: string,
    who = ann,
  ) => projectDomainToRecord(rules, who, { method, account, container }, facts);

  it('records the token’s domain on a new own account, unknown on a foreign one', () => {
    expect(record('PUT', 'AUTH_p1', { exists: false }, 'c')).toBe('default');
    expect(record('POST', 'AUTH_p1', { exists: false })).toBe('default');
    expect(record('PUT', 'AUTH_p2', { exists: false }, 'c')).toBe(UNKNOWN_DOMAIN_ID);
  });

  it('fills in legacy and unknown domains, and leaves known ones', () => {
    expect(record('POST', 'AUTH_p1', { exists: true })).toBe('default');
    expect(record('POST', 'AUTH_p1', { exists: true, domainId: UNKNOWN_DOMAIN_ID })).toBe(
      'default',
    );
    expect(record('POST', 'AUTH_p1', { exists: true, domainId: 'default' })).toBeUndefined();
    expect(record('POST', 'AUTH_p2', { exists: true, domainId: UNKNOWN_DOMAIN_ID })).toBe(
      undefined,
    );
  });

  it('only for account writes and container PUTs', () => {
    expect(record('GET', 'AUTH_p1', { exists: false })).toBeUndefined();
    expect(record('POST', 'AUTH_p1', { exists: false }, 'c')).toBeUndefined();
    expect(
      projectDomainToRecord(
        rules,
        ann,
        { method: 'PUT', account: 'AUTH_p1', container: 'c', object: 'o' },
        { exists: false },
      ),
    ).toBeUndefined();
  });
});

describe('keystoneauth settings', () => {
  it('reads Swift’s reseller prefix lists', () => {
    expect(readResellerPrefixes('AUTH')).toEqual(['AUTH_']);
    expect(readResellerPrefixes("AUTH_, '', SERVICE")).toEqual(['AUTH_', '', 'SERVICE_']);
    expect(accountPrefix({ ...rules, resellerPrefixes: ['', 'PRE_'] }, 'PRE_x')).toBe('PRE_');
    expect(accountPrefix({ ...rules, resellerPrefixes: ['', 'PRE_'] }, 'x')).toBe('');
    expect(accountPrefix(rules, 'JUNK_x')).toBeUndefined();
  });

  it('has defaults, stays out without auth_url, and refuses unknown settings', () => {
    const config = readKeystoneAuthConfig(
      ConfigSection.of('filter:keystoneauth', { auth_url: 'http://k:5000/v3/' }),
    )!;
    expect(config.authUrl).toBe('http://k:5000/v3');
    expect(config.wwwAuthenticateUri).toBe('http://k:5000/v3');
    expect(config.tokenCacheSeconds).toBe(60);
    expect(config.delayAuthDecision).toBe(true);
    expect(config.service).toBeUndefined();
    expect(config.rules.operatorRoles).toEqual({ AUTH_: ['admin', 'member'] });
    expect(config.rules.projectReaderRoles).toEqual({ AUTH_: ['reader'] });
    expect(config.rules.resellerAdminRole).toBe('reselleradmin');
    expect(readKeystoneAuthConfig(ConfigSection.of('filter:keystoneauth', {}))).toBeUndefined();
    expect(() =>
      readKeystoneAuthConfig(
        ConfigSection.of('filter:keystoneauth', { auth_url: 'http://k', operator_role: 'x' }),
      ),
    ).toThrow(/operator_role is not a known setting/);
  });

  it('reads service credentials as authtoken names them', () => {
    const config = readKeystoneAuthConfig(
      ConfigSection.of('filter:keystoneauth', {
        auth_url: 'http://k:5000',
        username: 'swift',
        password: 'secret',
        project_name: 'service',
        user_domain_id: 'default',
      }),
    )!;
    expect(config.service).toEqual({
      username: 'swift',
      password: 'secret',
      userDomain: { id: 'default' },
      project: { name: 'service', domain: { name: 'Default' } },
    });
  });
});

describe('Keystone token bodies', () => {
  it('reads user, project, roles and expiry', () => {
    const identity = identityFromTokenBody({
      token: {
        methods: ['password'],
        expires_at: '2030-01-01T00:00:00.000000Z',
        user: { id: 'u1', name: 'ann', domain: { id: 'default', name: 'Default' } },
        project: { id: 'p1', name: 'alpha', domain: { id: 'default', name: 'Default' } },
        roles: [
          { id: 'r1', name: 'member' },
          { id: 'r2', name: 'reader' },
        ],
      },
    });
    expect(identity).toEqual({
      user: { id: 'u1', name: 'ann', domainId: 'default', domainName: 'Default' },
      project: { id: 'p1', name: 'alpha', domainId: 'default', domainName: 'Default' },
      roles: ['member', 'reader'],
      expiresAt: Date.parse('2030-01-01T00:00:00Z'),
    });
  });

  it('refuses bodies that are not tokens', () => {
    expect(identityFromTokenBody({ token: { user: { id: 'u' } } })).toBeUndefined();
    expect(identityFromTokenBody({ error: { code: 404 } })).toBeUndefined();
    expect(identityFromTokenBody('x')).toBeUndefined();
  });
});
