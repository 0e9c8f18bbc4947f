/**
 * The identity database: one SQLite file (better-sqlite3) holding Keystone's resources —
 * domains, projects, users, roles and their implications, role assignments, the catalog
 * (regions, services, endpoints), EC2 credentials — and the issued tokens.
 *
 * One process owns the file (WAL journal, so readers never wait for the writer). Names are
 * unique where Keystone's are: domains globally, projects and users within their domain, roles
 * within their domain or among the global roles.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS domain (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  enabled INTEGER NOT NULL DEFAULT 1,
  extra TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS project (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  domain_id TEXT NOT NULL REFERENCES domain(id),
  parent_id TEXT,
  description TEXT NOT NULL DEFAULT '',
  enabled INTEGER NOT NULL DEFAULT 1,
  extra TEXT NOT NULL DEFAULT '{}',
  UNIQUE (domain_id, name)
);
CREATE TABLE IF NOT EXISTS user (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  domain_id TEXT NOT NULL REFERENCES domain(id),
  enabled INTEGER NOT NULL DEFAULT 1,
  password_hash TEXT,
  default_project_id TEXT,
  extra TEXT NOT NULL DEFAULT '{}',
  UNIQUE (domain_id, name)
);
CREATE TABLE IF NOT EXISTS role (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  domain_id TEXT,
  description TEXT NOT NULL DEFAULT '',
  extra TEXT NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX IF NOT EXISTS role_name ON role (name, ifnull(domain_id, ''));
CREATE TABLE IF NOT EXISTS implied_role (
  prior_role_id TEXT NOT NULL REFERENCES role(id) ON DELETE CASCADE,
  implied_role_id TEXT NOT NULL REFERENCES role(id) ON DELETE CASCADE,
  PRIMARY KEY (prior_role_id, implied_role_id)
);
-- type: 'UserProject', 'UserDomain' or 'UserSystem' (target_id 'system'), as Keystone names them.
CREATE TABLE IF NOT EXISTS assignment (
  type TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  target_id TEXT NOT NULL,
  role_id TEXT NOT NULL REFERENCES role(id) ON DELETE CASCADE,
  PRIMARY KEY (type, actor_id, target_id, role_id)
);
CREATE INDEX IF NOT EXISTS assignment_target ON assignment (target_id);
CREATE TABLE IF NOT EXISTS region (
  id TEXT PRIMARY KEY,
  description TEXT NOT NULL DEFAULT '',
  parent_region_id TEXT REFERENCES region(id),
  extra TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS service (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  extra TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS endpoint (
  id TEXT PRIMARY KEY,
  service_id TEXT NOT NULL REFERENCES service(id) ON DELETE CASCADE,
  interface TEXT NOT NULL,
  region_id TEXT REFERENCES region(id),
  url TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  extra TEXT NOT NULL DEFAULT '{}'
);
-- blob: the credential's JSON (access, secret, trust_id), encrypted (secret-box.ts).
CREATE TABLE IF NOT EXISTS credential (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
  project_id TEXT REFERENCES project(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  blob TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS credential_user ON credential (user_id);
-- Tokens are random; only their SHA-256 is kept, so the database never holds a usable token.
CREATE TABLE IF NOT EXISTS token (
  id_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
  methods TEXT NOT NULL,
  project_id TEXT REFERENCES project(id) ON DELETE CASCADE,
  domain_id TEXT REFERENCES domain(id) ON DELETE CASCADE,
  system INTEGER NOT NULL DEFAULT 0,
  audit_id TEXT NOT NULL,
  audit_chain_id TEXT NOT NULL,
  issued_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS token_expires ON token (expires_at);
CREATE INDEX IF NOT EXISTS token_user ON token (user_id);
CREATE INDEX IF NOT EXISTS token_chain ON token (audit_chain_id);
`;

export function openDatabase(path: string): Db {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // The bootstrap CLI may write while the server runs: wait for the lock instead of failing.
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  return db;
}

/** Keystone's ids: a random UUID as 32 hex digits. */
export function newId(): string {
  return randomUUID().replace(/-/g, '');
}

/** Parses a JSON object column (extra attributes). */
export function parseExtra(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
