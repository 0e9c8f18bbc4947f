/** Keystone's default policy decisions, as identity/policy.ts encodes them. */
import { describe, expect, it } from 'vitest';
import { allowed, enforce, type Caller } from '../../../identity/policy.js';

const base = { userDomainId: 'default', system: false } as const;
const projectAdmin: Caller = {
  ...base,
  userId: 'a',
  roles: ['admin', 'member', 'reader'],
  projectId: 'p1',
  projectDomainId: 'default',
};
const member: Caller = {
  ...base,
  userId: 'm',
  roles: ['member', 'reader'],
  projectId: 'p1',
  projectDomainId: 'default',
};
const reader: Caller = {
  ...base,
  userId: 'r',
  roles: ['reader'],
  projectId: 'p2',
  projectDomainId: 'default',
};
const systemReader: Caller = { ...base, userId: 's', roles: ['reader'], system: true };
const domainReader: Caller = { ...base, userId: 'd', roles: ['reader'], domainId: 'dom1' };
const service: Caller = { ...base, userId: 'svc', roles: ['service'], projectId: 'services' };

describe('identity policy', () => {
  it('lets the admin role (any scope) manage everything', () => {
    for (const action of [
      'identity:create_project',
      'identity:delete_user',
      'identity:create_grant',
      'identity:create_endpoint',
      'identity:create_implied_role',
    ] as const) {
      expect(allowed(action, projectAdmin)).toBe(true);
      expect(allowed(action, member)).toBe(false);
      expect(allowed(action, systemReader)).toBe(false);
    }
  });

  it('lets readers on the system scope read, but not write', () => {
    expect(allowed('identity:list_projects', systemReader)).toBe(true);
    expect(allowed('identity:list_role_assignments', systemReader)).toBe(true);
    expect(
      allowed('identity:get_user', systemReader, { userId: 'x', userDomainId: 'default' }),
    ).toBe(true);
    expect(allowed('identity:update_project', systemReader)).toBe(false);
    expect(allowed('identity:list_projects', reader)).toBe(false);
  });

  it('lets domain readers read within their domain only', () => {
    expect(allowed('identity:list_users', domainReader, { domainId: 'dom1' })).toBe(true);
    expect(allowed('identity:list_users', domainReader, { domainId: 'other' })).toBe(false);
    expect(allowed('identity:list_users', domainReader)).toBe(false);
    expect(
      allowed('identity:get_project', domainReader, { projectId: 'x', projectDomainId: 'dom1' }),
    ).toBe(true);
  });

  it('lets users read themselves and their own project', () => {
    expect(allowed('identity:get_user', member, { userId: 'm', userDomainId: 'default' })).toBe(
      true,
    );
    expect(allowed('identity:get_user', member, { userId: 'a', userDomainId: 'default' })).toBe(
      false,
    );
    expect(
      allowed('identity:get_project', member, { projectId: 'p1', projectDomainId: 'default' }),
    ).toBe(true);
    expect(
      allowed('identity:get_project', member, { projectId: 'p2', projectDomainId: 'default' }),
    ).toBe(false);
    expect(allowed('identity:list_user_projects', reader, { userId: 'r' })).toBe(true);
    expect(allowed('identity:get_domain', member, { domainId: 'default' })).toBe(true);
    expect(allowed('identity:get_domain', member, { domainId: 'dom1' })).toBe(false);
  });

  it('decides token validation as Keystone: the subject, admins, system readers, services', () => {
    expect(allowed('identity:validate_token', member, { tokenUserId: 'm' })).toBe(true);
    expect(allowed('identity:validate_token', member, { tokenUserId: 'a' })).toBe(false);
    expect(allowed('identity:validate_token', member, {})).toBe(false);
    expect(allowed('identity:validate_token', service, { tokenUserId: 'a' })).toBe(true);
    expect(allowed('identity:check_token', service, { tokenUserId: 'a' })).toBe(false);
    expect(allowed('identity:validate_token', projectAdmin, { tokenUserId: 'm' })).toBe(true);
    expect(allowed('identity:revoke_token', systemReader, { tokenUserId: 'm' })).toBe(false);
    expect(allowed('identity:revoke_token', member, { tokenUserId: 'm' })).toBe(true);
  });

  it('lets owners manage their own EC2 credentials', () => {
    expect(allowed('identity:ec2_create_credential', member, { credentialUserId: 'm' })).toBe(true);
    expect(allowed('identity:ec2_create_credential', member, { credentialUserId: 'r' })).toBe(
      false,
    );
    expect(allowed('identity:ec2_list_credentials', systemReader, { credentialUserId: 'r' })).toBe(
      true,
    );
    expect(allowed('identity:ec2_delete_credential', systemReader, { credentialUserId: 'r' })).toBe(
      false,
    );
  });

  it("refuses with Keystone's 403 naming the action", () => {
    expect(() => enforce('identity:create_project', member)).toThrow(
      'You are not authorized to perform the requested action: identity:create_project.',
    );
  });
});
