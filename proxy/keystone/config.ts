/**
 * `[filter:keystoneauth]` in proxy-server.conf. It holds what Swift splits between authtoken's
 * `[filter:authtoken]` (where Keystone is, how to reach it, how long to cache) and
 * keystoneauth's own section (how projects and roles map to accounts), with Swift's names:
 *
 *   auth_url = http://127.0.0.1:5000/v3      Keystone, with or without /v3 (none: the filter stays out)
 *   www_authenticate_uri = …                 sent in `Www-Authenticate: Keystone uri="…"` (auth_url)
 *   username, password, project_name | project_id, user_domain_name | user_domain_id,
 *   project_domain_name | project_domain_id  service credentials to validate tokens with
 *                                            (optional: without them a token validates itself)
 *   token_cache_time = 60                    seconds a validation is reused (0: never)
 *   http_connect_timeout = 10                seconds for one call to Keystone
 *   http_request_max_retries = 3             retries when Keystone cannot be reached
 *   delay_auth_decision = true               an invalid token is anonymous (ACLs may still allow)
 *   reseller_prefix = AUTH                   accounts are <prefix>_<project id>; a list is allowed
 *   operator_roles = admin, member           own their project's account (<PREFIX>_operator_roles)
 *   project_reader_roles = reader            read their project's account (<PREFIX>_…)
 *   reseller_admin_role = ResellerAdmin      every account
 *   system_reader_roles =                    read every account
 *   default_domain_id = default, allow_names_in_acls = true, allow_overrides = true
 */
import type { ConfigSection } from '../../common/config.js';
import { StratusError } from '../../common/errors.js';
import type { KeystoneRules } from './rules.js';

export interface ServiceCredentials {
  username: string;
  password: string;
  userDomain: { id: string } | { name: string };
  project: { id: string } | { name: string; domain: { id: string } | { name: string } };
}

export interface KeystoneAuthConfig {
  /** Keystone's v3 URL without a trailing slash, e.g. `http://127.0.0.1:5000/v3`. */
  authUrl: string;
  wwwAuthenticateUri: string;
  service?: ServiceCredentials;
  tokenCacheSeconds: number;
  timeoutSeconds: number;
  maxRetries: number;
  delayAuthDecision: boolean;
  allowOverrides: boolean;
  rules: KeystoneRules;
}

const ROLE_SETTINGS = ['operator_roles', 'project_reader_roles'] as const;

const KNOWN = [
  'use',
  'auth_url',
  'www_authenticate_uri',
  'username',
  'password',
  'project_name',
  'project_id',
  'user_domain_name',
  'user_domain_id',
  'project_domain_name',
  'project_domain_id',
  'token_cache_time',
  'http_connect_timeout',
  'http_request_max_retries',
  'delay_auth_decision',
  'reseller_prefix',
  ...ROLE_SETTINGS,
  'reseller_admin_role',
  'system_reader_roles',
  'default_domain_id',
  'allow_names_in_acls',
  'allow_overrides',
];

const DEFAULT_ROLES: Record<(typeof ROLE_SETTINGS)[number], string[]> = {
  // Swift's default is `admin, swiftoperator`; Keystone's bootstrap roles are admin, member
  // and reader, and the issue asks that admin and member own their project's account.
  operator_roles: ['admin', 'member'],
  // Swift has none by default; Keystone's `reader` role is meant for exactly this.
  project_reader_roles: ['reader'],
};

/** Swift's reseller prefixes: a list, `''` for none, each ending with `_` unless empty. */
export function readResellerPrefixes(text: string): string[] {
  const prefixes = text
    .split(',')
    .map((item) => item.trim())
    .map((item) => (item === "''" || item === '""' ? '' : item))
    .map((item) => (item === '' || item.endsWith('_') ? item : `${item}_`));
  return [...new Set(prefixes)];
}

/** The filter's settings; undefined when no auth_url is set (keystoneauth then stays out). */
export function readKeystoneAuthConfig(conf: ConfigSection): KeystoneAuthConfig | undefined {
  const prefixes = readResellerPrefixes(conf.string('reseller_prefix', 'AUTH'));
  // Per-prefix role settings (`AUTH_operator_roles`, `SERVICE_project_reader_roles`), as Swift's.
  const perPrefix = prefixes.flatMap((p) => ROLE_SETTINGS.map((s) => `${p}${s}`));
  conf.rejectUnknown([...KNOWN, ...perPrefix]);
  const authUrl = conf.string('auth_url', '').replace(/\/+$/, '');
  if (authUrl === '') return undefined;
  if (!/^https?:\/\//.test(authUrl))
    throw new StratusError(
      'CONFIG_INVALID',
      `${conf.source}: [${conf.name}] auth_url must be an http(s) URL, got ${authUrl}`,
    );
  const lowerList = (key: string, fallback: string[]) =>
    conf.list(key, fallback).map((role) => role.toLowerCase());
  const roles = (setting: (typeof ROLE_SETTINGS)[number]) =>
    Object.fromEntries(
      prefixes.map((p) => [
        p,
        lowerList(`${p}${setting}`, lowerList(setting, DEFAULT_ROLES[setting])),
      ]),
    );
  return {
    authUrl,
    wwwAuthenticateUri: conf.string('www_authenticate_uri', authUrl),
    service: readServiceCredentials(conf),
    tokenCacheSeconds: conf.number('token_cache_time', 60, { min: 0 }),
    timeoutSeconds: conf.number('http_connect_timeout', 10, { min: 0.001 }),
    maxRetries: conf.int('http_request_max_retries', 3, { min: 0, max: 10 }),
    delayAuthDecision: conf.bool('delay_auth_decision', true),
    allowOverrides: conf.bool('allow_overrides', true),
    rules: {
      resellerPrefixes: prefixes,
      operatorRoles: roles('operator_roles'),
      projectReaderRoles: roles('project_reader_roles'),
      resellerAdminRole: conf.string('reseller_admin_role', 'ResellerAdmin').toLowerCase(),
      systemReaderRoles: lowerList('system_reader_roles', []),
      defaultDomainId: conf.string('default_domain_id', 'default'),
      allowNamesInAcls: conf.bool('allow_names_in_acls', true),
    },
  };
}

function readServiceCredentials(conf: ConfigSection): ServiceCredentials | undefined {
  const username = conf.string('username', '');
  if (username === '') return undefined;
  const domain = (prefix: string): { id: string } | { name: string } => {
    const id = conf.string(`${prefix}_domain_id`, '');
    if (id !== '') return { id };
    return { name: conf.string(`${prefix}_domain_name`, 'Default') };
  };
  const projectId = conf.string('project_id', '');
  const project =
    projectId !== ''
      ? { id: projectId }
      : { name: conf.string('project_name'), domain: domain('project') };
  return { username, password: conf.string('password'), userDomain: domain('user'), project };
}
