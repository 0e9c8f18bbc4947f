/**
 * Issued tokens. A token is 32 random bytes (base64url); the table keeps only its SHA-256,
 * the user, the scope, the methods, the audit ids and the expiry. Why this design rather than
 * Keystone's Fernet (signed, encrypted, stateless) tokens:
 *
 * - validation is one primary-key lookup of a hash — no crypto beyond SHA-256;
 * - revocation is deleting rows (one token, its rescoping chain, all of a user's tokens on a
 *   password change), effective at once, with no revocation list to consult on every check;
 * - there are no signing keys to distribute and rotate, since one identity process owns the
 *   database;
 * - a copy of the database holds no usable token, only hashes.
 *
 * Like Fernet tokens, a row carries no roles or catalog: those are computed from the current
 * assignments at every validation, so a removed grant or a disabled user or project takes
 * effect immediately. Expired rows are pruned in the background.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db.js';

export interface TokenScope {
  projectId?: string;
  domainId?: string;
  system?: boolean;
}

export interface TokenRecord extends TokenScope {
  userId: string;
  methods: string[];
  auditId: string;
  /** The audit id of the first token of a rescoping chain (this token's own when it is first). */
  auditChainId: string;
  issuedAt: number;
  expiresAt: number;
}

interface TokenRow {
  user_id: string;
  methods: string;
  project_id: string | null;
  domain_id: string | null;
  system: number;
  audit_id: string;
  audit_chain_id: string;
  issued_at: number;
  expires_at: number;
}

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Keystone's audit ids: 16 random bytes, URL-safe base64 without padding (22 characters). */
export const newAuditId = (): string => randomBytes(16).toString('base64url');

export class TokenStore {
  constructor(private readonly db: Db) {}

  /** Stores a new token and returns its id, the only time it exists in clear. */
  issue(record: TokenRecord): string {
    const token = randomBytes(32).toString('base64url');
    this.db
      .prepare(
        `INSERT INTO token (id_hash, user_id, methods, project_id, domain_id, system, audit_id, audit_chain_id, issued_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        hashToken(token),
        record.userId,
        JSON.stringify(record.methods),
        record.projectId ?? null,
        record.domainId ?? null,
        record.system ? 1 : 0,
        record.auditId,
        record.auditChainId,
        record.issuedAt,
        record.expiresAt,
      );
    return token;
  }

  /** The token's record while it exists and has not expired at `now` (ms). */
  find(token: string, now = Date.now()): TokenRecord | undefined {
    const row = this.db.prepare('SELECT * FROM token WHERE id_hash = ?').get(hashToken(token)) as
      TokenRow | undefined;
    if (!row || row.expires_at <= now) return undefined;
    return {
      userId: row.user_id,
      methods: JSON.parse(row.methods) as string[],
      projectId: row.project_id ?? undefined,
      domainId: row.domain_id ?? undefined,
      system: row.system === 1,
      auditId: row.audit_id,
      auditChainId: row.audit_chain_id,
      issuedAt: row.issued_at,
      expiresAt: row.expires_at,
    };
  }

  /** Revokes one token, or (cascade) every token of its rescoping chain. */
  revoke(token: string, cascade: boolean): void {
    const record = this.find(token);
    if (!record) return;
    if (cascade) {
      this.db.prepare('DELETE FROM token WHERE audit_chain_id = ?').run(record.auditChainId);
    } else {
      this.db.prepare('DELETE FROM token WHERE id_hash = ?').run(hashToken(token));
    }
  }

  revokeUser(userId: string): void {
    this.db.prepare('DELETE FROM token WHERE user_id = ?').run(userId);
  }

  /** Deletes expired rows; returns how many. */
  prune(now = Date.now()): number {
    return this.db.prepare('DELETE FROM token WHERE expires_at <= ?').run(now).changes;
  }
}
