/** Implied roles: transitive expansion, loops, the rules Keystone refuses. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../identity/db.js';
import { RoleStore } from '../../../identity/store/roles.js';

let dir: string;
let db: Db;
let roles: RoleStore;
const make = (name: string, domainId: string | null = null) =>
  roles.create({ name, domainId, description: '', extra: {} }).id;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratus-roles-'));
  db = openDatabase(join(dir, 'identity.db'));
  db.prepare("INSERT INTO domain (id, name) VALUES ('d1', 'D1')").run();
  roles = new RoleStore(db);
});

afterEach(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

describe('implied roles', () => {
  it('expands transitively, each role once, and reports the prior role', () => {
    const admin = make('admin');
    const member = make('member');
    const reader = make('reader');
    const observer = make('observer');
    roles.addImplication(admin, member);
    roles.addImplication(member, reader);
    roles.addImplication(admin, observer);
    roles.addImplication(observer, reader);
    const { roles: expanded, via } = roles.expand([admin]);
    expect(expanded.map((r) => r.name)).toEqual(['admin', 'member', 'observer', 'reader']);
    expect(via.get(member)).toBe(admin);
    expect(via.get(reader)).toBe(member);
    expect(roles.expand([reader]).roles.map((r) => r.name)).toEqual(['reader']);
  });

  it('survives a loop of rules', () => {
    const a = make('a');
    const b = make('b');
    roles.addImplication(a, b);
    roles.addImplication(b, a);
    expect(roles.expand([a]).roles.map((r) => r.name)).toEqual(['a', 'b']);
  });

  it('refuses what Keystone refuses: implying admin, duplicates, global ⇒ domain roles', () => {
    const admin = make('admin');
    const member = make('member');
    const local = make('local', 'd1');
    expect(() => roles.addImplication(member, admin)).toThrow(
      `${admin} cannot be an implied roles.`,
    );
    roles.addImplication(admin, member);
    expect(() => roles.addImplication(admin, member)).toThrow(
      'Conflict occurred attempting to store implied_role - Duplicate entry.',
    );
    expect(() => roles.addImplication(member, local)).toThrow(
      'Global role cannot imply a domain-specific role',
    );
    roles.addImplication(local, member);
    expect(roles.rules().map((r) => [r.prior.name, r.implies.map((i) => i.name)])).toEqual([
      ['admin', ['member']],
      ['local', ['member']],
    ]);
  });

  it('forgets rules with their roles', () => {
    const admin = make('admin');
    const member = make('member');
    roles.addImplication(admin, member);
    roles.delete(member);
    expect(roles.impliedBy(admin)).toEqual([]);
    expect(() => roles.removeImplication(admin, member)).toThrow(
      `${admin} does not imply ${member}.`,
    );
  });
});
