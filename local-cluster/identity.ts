/**
 * The local cluster's identity service: its identity.conf, the demo admin that the bootstrap
 * CLI creates (DevStack's way: user `admin`, project `admin`, domain `Default`), and
 * `<data-dir>/openrc`, so `source data/openrc && openstack token issue` works as written.
 *
 * The admin's password is made once, kept in openrc (mode 0600), and read back on later
 * starts; bootstrap runs at every start — it is idempotent — so the catalog follows --port.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../common/atomic-file.js';
import type { ClusterLayout, IdentityLayout } from './layout.js';
import { runIdentityBootstrap } from './processes.js';

/** The demo admin's credentials: what openrc exports. */
export interface IdentityAdmin {
  username: string;
  password: string;
  projectName: string;
  userDomainName: string;
  projectDomainName: string;
}

export const REGION = 'RegionOne';

export const identityUrl = (identity: IdentityLayout): string =>
  `http://${identity.ip}:${identity.port}`;

export const openrcPath = (layout: ClusterLayout): string => join(layout.dataDir, 'openrc');

/**
 * Writes identity.conf. `settings` adds `<section>.<key> = value` entries (tests shorten
 * `token.expiration`, for instance).
 */
export async function writeIdentityConf(
  identity: IdentityLayout,
  settings: Record<string, string> = {},
  logLevel = 'info',
): Promise<void> {
  await mkdir(identity.dataDir, { recursive: true });
  const sections = new Map<string, string[]>([
    ['database', [`path = ${join(identity.dataDir, 'identity.db')}`]],
    ['credential', [`key_file = ${join(identity.dataDir, 'credential.key')}`]],
  ]);
  for (const [key, value] of Object.entries(settings)) {
    const dot = key.indexOf('.');
    if (dot < 0) continue;
    const section = key.slice(0, dot);
    sections.set(section, [...(sections.get(section) ?? []), `${key.slice(dot + 1)} = ${value}`]);
  }
  const lines = [
    "# The local cluster's identity service (written by the launcher at every start).",
    '[DEFAULT]',
    `bind_ip = ${identity.ip}`,
    `bind_port = ${identity.port}`,
    `log_level = ${logLevel}`,
    '',
  ];
  for (const [section, entries] of sections) lines.push(`[${section}]`, ...entries, '');
  await writeFileAtomic(identity.confPath, lines.join('\n'));
}

/** The demo admin, with the password kept in an earlier openrc or a new random one. */
export async function demoAdmin(layout: ClusterLayout): Promise<IdentityAdmin> {
  const previous = await readFile(openrcPath(layout), 'utf8').catch(() => '');
  const kept = /^export OS_PASSWORD=(\S+)$/m.exec(previous)?.[1];
  return {
    username: 'admin',
    password: kept ?? randomBytes(12).toString('base64url'),
    projectName: 'admin',
    userDomainName: 'Default',
    projectDomainName: 'Default',
  };
}

/** Creates or refreshes the demo admin, roles and catalog (identity and object store). */
export async function bootstrapIdentity(
  layout: ClusterLayout,
  identity: IdentityLayout,
  admin: IdentityAdmin,
): Promise<void> {
  const proxyUrl = `http://${layout.proxy.ip}:${layout.proxy.port}`;
  await runIdentityBootstrap(identity, [
    // One argument: a random password may start with '-', which a separate one cannot.
    `--bootstrap-password=${admin.password}`,
    '--bootstrap-username',
    admin.username,
    '--bootstrap-project-name',
    admin.projectName,
    '--bootstrap-region-id',
    REGION,
    '--bootstrap-public-url',
    `${identityUrl(identity)}/v3`,
    // Swift's catalog convention: each project's token names its own account URL.
    '--object-store-url',
    `${proxyUrl}/v1/AUTH_$(project_id)s`,
    '--object-store-admin-url',
    proxyUrl,
  ]);
}

/** DevStack's openrc: the variables python-openstackclient reads. */
export async function writeOpenrc(
  layout: ClusterLayout,
  identity: IdentityLayout,
  admin: IdentityAdmin,
): Promise<void> {
  const text = [
    "# Credentials of the local cluster's demo admin, for the OpenStack clients:",
    '#   source data/openrc && openstack token issue',
    `export OS_AUTH_URL=${identityUrl(identity)}/v3`,
    `export OS_USERNAME=${admin.username}`,
    `export OS_PASSWORD=${admin.password}`,
    `export OS_PROJECT_NAME=${admin.projectName}`,
    `export OS_USER_DOMAIN_NAME=${admin.userDomainName}`,
    `export OS_PROJECT_DOMAIN_NAME=${admin.projectDomainName}`,
    `export OS_REGION_NAME=${REGION}`,
    'export OS_IDENTITY_API_VERSION=3',
    '',
  ].join('\n');
  // It holds a password: readable by its owner only (mode applies when the file is created).
  await writeFile(openrcPath(layout), text, { mode: 0o600 });
  await chmod(openrcPath(layout), 0o600);
}
