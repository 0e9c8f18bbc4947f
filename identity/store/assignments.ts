/**
 * Role assignments (grants) of users on projects, domains and the system, stored under
 * Keystone's type names. Tokens compute their roles from these at every validation, so
 * removing a grant takes effect at once for every token that relied on it.
 */
import { KeystoneError } from '../errors.js';
import type { Db } from '../db.js';

export type TargetType = 'project' | 'domain' | 'system';

const TYPE_NAMES: Record<TargetType, string> = {
  project: 'UserProject',
  domain: 'UserDomain',
  system: 'UserSystem',
};

/** The system scope has one target, named as Keystone stores it. */
export const SYSTEM_TARGET = 'system';

export interface Assignment {
  targetType: TargetType;
  userId: string;
  targetId: string;
  roleId: string;
}

interface AssignmentRow {
  type: string;
  actor_id: string;
  target_id: string;
  role_id: string;
}

const typeOf = (name: string): TargetType =>
  name === 'UserProject' ? 'project' : name === 'UserDomain' ? 'domain' : 'system';

export interface AssignmentFilter {
  userId?: string;
  roleId?: string;
  targetType?: TargetType;
  targetId?: string;
}

export class AssignmentStore {
  constructor(private readonly db: Db) {}

  /** Adds a grant; granting twice is no error (PUT is idempotent). */
  grant(targetType: TargetType, targetId: string, userId: string, roleId: string): void {
    this.db
      .prepare(
        'INSERT OR IGNORE INTO assignment (type, actor_id, target_id, role_id) VALUES (?, ?, ?, ?)',
      )
      .run(TYPE_NAMES[targetType], userId, targetId, roleId);
  }

  has(targetType: TargetType, targetId: string, userId: string, roleId: string): boolean {
    return (
      this.db
        .prepare(
          'SELECT 1 FROM assignment WHERE type = ? AND actor_id = ? AND target_id = ? AND role_id = ?',
        )
        .get(TYPE_NAMES[targetType], userId, targetId, roleId) !== undefined
    );
  }

  revoke(targetType: TargetType, targetId: string, userId: string, roleId: string): void {
    const result = this.db
      .prepare(
        'DELETE FROM assignment WHERE type = ? AND actor_id = ? AND target_id = ? AND role_id = ?',
      )
      .run(TYPE_NAMES[targetType], userId, targetId, roleId);
    if (result.changes === 0) throw assignmentNotFound(roleId, userId, targetId);
  }

  /** Role ids the user holds directly on the target. */
  roleIds(targetType: TargetType, targetId: string, userId: string): string[] {
    const rows = this.db
      .prepare('SELECT role_id FROM assignment WHERE type = ? AND actor_id = ? AND target_id = ?')
      .all(TYPE_NAMES[targetType], userId, targetId) as { role_id: string }[];
    return rows.map((r) => r.role_id);
  }

  list(filter: AssignmentFilter = {}): Assignment[] {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.userId !== undefined) {
      where.push('actor_id = ?');
      args.push(filter.userId);
    }
    if (filter.roleId !== undefined) {
      where.push('role_id = ?');
      args.push(filter.roleId);
    }
    if (filter.targetType !== undefined) {
      where.push('type = ?');
      args.push(TYPE_NAMES[filter.targetType]);
    }
    if (filter.targetId !== undefined) {
      where.push('target_id = ?');
      args.push(filter.targetId);
    }
    const sql = `SELECT * FROM assignment${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY type, actor_id, target_id, role_id`;
    return (this.db.prepare(sql).all(...args) as AssignmentRow[]).map((row) => ({
      targetType: typeOf(row.type),
      userId: row.actor_id,
      targetId: row.target_id,
      roleId: row.role_id,
    }));
  }

  /** Projects on which the user holds at least one role. */
  projectIdsOf(userId: string): string[] {
    const rows = this.db
      .prepare(
        "SELECT DISTINCT target_id FROM assignment WHERE type = 'UserProject' AND actor_id = ?",
      )
      .all(userId) as { target_id: string }[];
    return rows.map((r) => r.target_id);
  }

  domainIdsOf(userId: string): string[] {
    const rows = this.db
      .prepare(
        "SELECT DISTINCT target_id FROM assignment WHERE type = 'UserDomain' AND actor_id = ?",
      )
      .all(userId) as { target_id: string }[];
    return rows.map((r) => r.target_id);
  }
}

export function assignmentNotFound(
  roleId: string,
  actorId: string,
  targetId: string,
): KeystoneError {
  return new KeystoneError(
    404,
    `Could not find role assignment with role: ${roleId}, user or group: ${actorId}, project, domain, or system: ${targetId}.`,
  );
}
