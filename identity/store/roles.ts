/**
 * Roles and role inference rules ("implied roles"): admin ⇒ member ⇒ reader, as
 * keystone-manage bootstrap makes them. A user holding a role holds every role it implies,
 * transitively; expansion keeps a visited set, so a loop of rules cannot loop the server.
 */
import { conflict, duplicate, forbidden, KeystoneError, notFound } from '../errors.js';
import { newId, parseExtra, type Db } from '../db.js';

export interface Role {
  id: string;
  name: string;
  domainId: string | null;
  description: string;
  extra: Record<string, unknown>;
}

interface RoleRow {
  id: string;
  name: string;
  domain_id: string | null;
  description: string;
  extra: string;
}

/** Roles no rule may imply (Keystone's [assignment] prohibited_implied_role). */
export const PROHIBITED_IMPLIED_ROLES = ['admin'];

const toRole = (row: RoleRow): Role => ({
  id: row.id,
  name: row.name,
  domainId: row.domain_id,
  description: row.description,
  extra: parseExtra(row.extra),
});

export class RoleStore {
  constructor(private readonly db: Db) {}

  get(id: string): Role | undefined {
    const row = this.db.prepare('SELECT * FROM role WHERE id = ?').get(id) as RoleRow | undefined;
    return row && toRole(row);
  }

  require(id: string): Role {
    const role = this.get(id);
    if (!role) throw notFound('role', id);
    return role;
  }

  byName(name: string, domainId: string | null = null): Role | undefined {
    const row = this.db
      .prepare("SELECT * FROM role WHERE name = ? AND ifnull(domain_id, '') = ?")
      .get(name, domainId ?? '') as RoleRow | undefined;
    return row && toRole(row);
  }

  list(): Role[] {
    return (this.db.prepare('SELECT * FROM role ORDER BY name').all() as RoleRow[]).map(toRole);
  }

  create(input: Omit<Role, 'id'> & { id?: string }): Role {
    const role = { ...input, id: input.id ?? newId() };
    if (this.byName(role.name, role.domainId)) {
      throw duplicate('role', 'name', role.name, role.domainId ?? undefined);
    }
    if (this.get(role.id)) throw duplicate('role', 'ID', role.id);
    this.db
      .prepare('INSERT INTO role (id, name, domain_id, description, extra) VALUES (?, ?, ?, ?, ?)')
      .run(role.id, role.name, role.domainId, role.description, JSON.stringify(role.extra));
    return role;
  }

  update(id: string, patch: Partial<Pick<Role, 'name' | 'description' | 'extra'>>): Role {
    const role = { ...this.require(id), ...patch };
    const other = this.byName(role.name, role.domainId);
    if (other && other.id !== id) {
      throw duplicate('role', 'name', role.name, role.domainId ?? undefined);
    }
    this.db
      .prepare('UPDATE role SET name = ?, description = ?, extra = ? WHERE id = ?')
      .run(role.name, role.description, JSON.stringify(role.extra), id);
    return role;
  }

  /** Deletes the role; its assignments and inference rules cascade. */
  delete(id: string): void {
    this.require(id);
    this.db.prepare('DELETE FROM role WHERE id = ?').run(id);
  }

  // --- inference rules -------------------------------------------------------------------

  addImplication(priorId: string, impliedId: string): void {
    const prior = this.require(priorId);
    const implied = this.require(impliedId);
    if (PROHIBITED_IMPLIED_ROLES.includes(implied.name)) {
      throw forbidden(`${impliedId} cannot be an implied roles.`);
    }
    if (prior.domainId === null && implied.domainId !== null) {
      throw forbidden('Global role cannot imply a domain-specific role');
    }
    if (this.implies(priorId, impliedId)) throw conflict('implied_role', 'Duplicate entry');
    this.db
      .prepare('INSERT INTO implied_role (prior_role_id, implied_role_id) VALUES (?, ?)')
      .run(priorId, impliedId);
  }

  implies(priorId: string, impliedId: string): boolean {
    return (
      this.db
        .prepare('SELECT 1 FROM implied_role WHERE prior_role_id = ? AND implied_role_id = ?')
        .get(priorId, impliedId) !== undefined
    );
  }

  removeImplication(priorId: string, impliedId: string): void {
    const result = this.db
      .prepare('DELETE FROM implied_role WHERE prior_role_id = ? AND implied_role_id = ?')
      .run(priorId, impliedId);
    if (result.changes === 0) {
      throw new KeystoneError(404, `${priorId} does not imply ${impliedId}.`);
    }
  }

  /** The roles directly implied by one role. */
  impliedBy(priorId: string): Role[] {
    const rows = this.db
      .prepare(
        'SELECT role.* FROM implied_role JOIN role ON role.id = implied_role.implied_role_id WHERE prior_role_id = ? ORDER BY role.name',
      )
      .all(priorId) as RoleRow[];
    return rows.map(toRole);
  }

  /** Every inference rule, grouped by prior role. */
  rules(): { prior: Role; implies: Role[] }[] {
    const priors = this.db
      .prepare(
        'SELECT DISTINCT role.* FROM implied_role JOIN role ON role.id = implied_role.prior_role_id ORDER BY role.name',
      )
      .all() as RoleRow[];
    return priors.map((row) => ({ prior: toRole(row), implies: this.impliedBy(row.id) }));
  }

  /**
   * The given roles plus every role they imply, transitively, each once, in the order found
   * (the directly held roles first). `via` tells, for each implied role, the prior role that
   * brought it in, as role_assignments?effective reports.
   */
  expand(roleIds: readonly string[]): { roles: Role[]; via: Map<string, string> } {
    const seen = new Set<string>();
    const roles: Role[] = [];
    const via = new Map<string, string>();
    const queue = [...roleIds];
    for (const id of roleIds) seen.add(id);
    while (queue.length > 0) {
      const id = queue.shift()!;
      const role = this.get(id);
      if (!role) continue;
      roles.push(role);
      for (const implied of this.impliedBy(id)) {
        if (seen.has(implied.id)) continue;
        seen.add(implied.id);
        via.set(implied.id, id);
        queue.push(implied.id);
      }
    }
    return { roles, via };
  }
}
