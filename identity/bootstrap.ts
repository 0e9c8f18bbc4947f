#!/usr/bin/env node
/**
 * The identity service's first-admin setup, in the spirit of `keystone-manage bootstrap`:
 *
 *   node dist/identity/bootstrap.js <identity.conf> --bootstrap-password <password>
 *     [--bootstrap-username admin] [--bootstrap-project-name admin] [--bootstrap-role-name admin]
 *     [--bootstrap-service-name keystone] [--bootstrap-region-id RegionOne]
 *     [--bootstrap-public-url http://h:5000/v3] [--bootstrap-internal-url …] [--bootstrap-admin-url …]
 *     [--object-store-url 'http://proxy:8080/v1/AUTH_$(project_id)s'] [--object-store-admin-url …]
 *
 * The password may come from OS_BOOTSTRAP_PASSWORD instead, as with Keystone. Safe to run
 * again (seed.ts). Works on the database directly, so the server may be running or not.
 * Exit codes: 0 done, 1 failed, 2 bad usage.
 */
import { parseArgs } from 'node:util';
import { Config } from '../common/config.js';
import { describeError } from '../common/errors.js';
import { Backend } from './backend.js';
import { readIdentityConfig } from './config.js';
import { openDatabase } from './db.js';
import { SecretBox } from './secret-box.js';
import { bootstrap } from './seed.js';

const USAGE =
  'usage: bootstrap <identity.conf> --bootstrap-password <password> [--bootstrap-username admin] ' +
  '[--bootstrap-project-name admin] [--bootstrap-role-name admin] [--bootstrap-service-name keystone] ' +
  '[--bootstrap-region-id <id>] [--bootstrap-public-url <url>] [--bootstrap-internal-url <url>] ' +
  '[--bootstrap-admin-url <url>] [--object-store-url <url>] [--object-store-admin-url <url>]';

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'bootstrap-password': { type: 'string' },
        'bootstrap-username': { type: 'string' },
        'bootstrap-project-name': { type: 'string' },
        'bootstrap-role-name': { type: 'string' },
        'bootstrap-service-name': { type: 'string' },
        'bootstrap-region-id': { type: 'string' },
        'bootstrap-public-url': { type: 'string' },
        'bootstrap-internal-url': { type: 'string' },
        'bootstrap-admin-url': { type: 'string' },
        'object-store-url': { type: 'string' },
        'object-store-admin-url': { type: 'string' },
        help: { type: 'boolean' },
      },
    });
  } catch (err) {
    process.stderr.write(`${describeError(err)}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const password = values['bootstrap-password'] ?? process.env.OS_BOOTSTRAP_PASSWORD;
  if (positionals.length !== 1 || !password) {
    process.stderr.write(
      `${positionals.length !== 1 ? 'expected one config file' : 'a password is required: --bootstrap-password or OS_BOOTSTRAP_PASSWORD'}\n${USAGE}\n`,
    );
    return 2;
  }
  const config = readIdentityConfig(await Config.load(positionals[0]!));
  const db = openDatabase(config.dbPath);
  try {
    const backend = new Backend(db, SecretBox.open(config.credentialKeyFile), config);
    const result = await bootstrap(backend, {
      password,
      username: values['bootstrap-username'],
      projectName: values['bootstrap-project-name'],
      roleName: values['bootstrap-role-name'],
      serviceName: values['bootstrap-service-name'],
      regionId: values['bootstrap-region-id'],
      publicUrl: values['bootstrap-public-url'],
      internalUrl: values['bootstrap-internal-url'],
      adminUrl: values['bootstrap-admin-url'],
      objectStoreUrl: values['object-store-url'],
      objectStoreAdminUrl: values['object-store-admin-url'],
    });
    const lines = result.log.length > 0 ? result.log : ['Nothing to do: already bootstrapped.'];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    db.close();
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bootstrap: ${describeError(err)}\n`);
    process.exitCode = 1;
  },
);
