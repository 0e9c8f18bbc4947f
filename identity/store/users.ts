/**
 * Users (Keystone's "identity" backend, SQL driver). Passwords are kept only as scrypt hashes
 * (passwords.ts); any other attribute a client sends (email, description, …) is kept as an
 * extra attribute and shown back, as Keystone does.
 */
import { duplicate, notFound } from '../errors.js';
import { newId, parseExtra, type Db } from '../db.js';

export interface User {
  id: string;
  name: string;
  domainId: string;
  enabled: boolean;
  defaultProjectId: string | null;
  extra: Record<string, unknown>;
}

interface UserRow {
  id: string;
  name: string;
  domain_id: string;
  enabled: number;
  password_hash: string | null;
  default_project_id: string | null;
  extra: string;
}

const toUser = (row: UserRow): User => ({
  id: row.id,
  name: row.name,
  domainId: row.domain_id,
  enabled: row.enabled === 1,
  defaultProjectId: row.default_project_id,
  extra: parseExtra(row.extra),
});

export class UserStore {
  constructor(private readonly db: Db) {}

  get(id: string): User | undefined {
    const row = this.db.prepare('SELECT * FROM user WHERE id = ?').get(id) as UserRow | undefined;
    return row && toUser(row);
  }

  require(id: string): User {
    const user = this.get(id);
    if (!user) throw notFound('user', id);
    return user;
  }

  byName(name: string, domainId: string): User | undefined {
    const row = this.db
      .prepare('SELECT * FROM user WHERE name = ? AND domain_id = ?')
      .get(name, domainId) as UserRow | undefined;
    return row && toUser(row);
  }

  passwordHash(id: string): string | null {
    const row = this.db.prepare('SELECT password_hash FROM user WHERE id = ?').get(id) as
      { password_hash: string | null } | undefined;
    return row?.password_hash ?? null;
  }

  list(): User[] {
    return (this.db.prepare('SELECT * FROM user ORDER BY name').all() as UserRow[]).map(toUser);
  }

  create(input: Omit<User, 'id'> & { id?: string; passwordHash: string | null }): User {
    const id = input.id ?? newId();
    if (this.byName(input.name, input.domainId)) {
      throw duplicate('user', 'name', input.name, input.domainId);
    }
    if (this.get(id)) throw duplicate('user', 'ID', id);
    this.db
      .prepare(
        'INSERT INTO user (id, name, domain_id, enabled, password_hash, default_project_id, extra) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        id,
        input.name,
        input.domainId,
        input.enabled ? 1 : 0,
        input.passwordHash,
        input.defaultProjectId,
        JSON.stringify(input.extra),
      );
    return this.require(id);
  }

  update(
    id: string,
    patch: Partial<Pick<User, 'name' | 'enabled' | 'defaultProjectId' | 'extra'>>,
  ): User {
    const user = { ...this.require(id), ...patch };
    const other = this.byName(user.name, user.domainId);
    if (other && other.id !== id) throw duplicate('user', 'name', user.name, user.domainId);
    this.db
      .prepare(
        'UPDATE user SET name = ?, enabled = ?, default_project_id = ?, extra = ? WHERE id = ?',
      )
      .run(user.name, user.enabled ? 1 : 0, user.defaultProjectId, JSON.stringify(user.extra), id);
    return user;
  }

  /**
   * Sets a new password hash. Every token of the user is revoked with it, as Keystone does:
   * a token obtained with the old password must not outlive the change.
   */
  setPasswordHash(id: string, hash: string): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE user SET password_hash = ? WHERE id = ?').run(hash, id);
      this.db.prepare('DELETE FROM token WHERE user_id = ?').run(id);
    })();
  }

  /** Deletes the user with its role assignments; its tokens and credentials cascade. */
  delete(id: string): void {
    this.require(id);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM assignment WHERE actor_id = ?').run(id);
      this.db.prepare('DELETE FROM user WHERE id = ?').run(id);
    })();
  }
}
