/**
 * identity.conf, in the INI dialect of every Stratus process, with Keystone's option names
 * where Keystone has one:
 *
 *   [DEFAULT]     bind_ip (127.0.0.1), bind_port (5000), log_level (info),
 *                 public_endpoint (base URL for links; default: from the request's Host)
 *   [database]    path: the SQLite file (default identity.db beside the config file)
 *   [token]       expiration: seconds a token lives (3600, as Keystone's [token] expiration)
 *   [credential]  key_file: the AES key that encrypts EC2 secrets at rest
 *                 (default credential.key beside the database; created on first use)
 *   [identity]    default_domain_id (default), password_hash_cost (scrypt N, 32768)
 */
import { dirname, join, resolve } from 'node:path';
import type { LevelWithSilent } from 'pino';
import type { Config } from '../common/config.js';
import { LOG_LEVELS } from '../common/logger.js';

export interface IdentityConfig {
  bindIp: string;
  bindPort: number;
  logLevel: LevelWithSilent;
  /** Base URL (without /v3) put in links and discovery documents, or '' to use the Host header. */
  publicEndpoint: string;
  dbPath: string;
  tokenExpiration: number;
  credentialKeyFile: string;
  defaultDomainId: string;
  /** scrypt's cost parameter N for new password hashes (a power of two). */
  passwordHashCost: number;
}

export function readIdentityConfig(file: Config): IdentityConfig {
  const main = file.section('DEFAULT');
  const database = file.section('database');
  database.rejectUnknown(['path']);
  const token = file.section('token');
  token.rejectUnknown(['expiration']);
  const credential = file.section('credential');
  credential.rejectUnknown(['key_file']);
  const identity = file.section('identity');
  identity.rejectUnknown(['default_domain_id', 'password_hash_cost']);
  const here = file.source === '<config>' ? '.' : dirname(resolve(file.source));
  const dbPath = resolve(here, database.string('path', 'identity.db'));
  const cost = identity.int('password_hash_cost', 32_768, { min: 1024, max: 1_048_576 });
  if ((cost & (cost - 1)) !== 0) {
    throw new Error(
      `${file.source} [identity] password_hash_cost must be a power of two, got ${cost}`,
    );
  }
  return {
    bindIp: main.string('bind_ip', '127.0.0.1'),
    bindPort: main.int('bind_port', 5000, { min: 0, max: 65535 }),
    logLevel: main.choice('log_level', LOG_LEVELS, 'info'),
    publicEndpoint: main.string('public_endpoint', '').replace(/\/+$/, ''),
    dbPath,
    tokenExpiration: token.int('expiration', 3600, { min: 1 }),
    credentialKeyFile: resolve(
      here,
      credential.string('key_file', join(dirname(dbPath), 'credential.key')),
    ),
    defaultDomainId: identity.string('default_domain_id', 'default'),
    passwordHashCost: cost,
  };
}
