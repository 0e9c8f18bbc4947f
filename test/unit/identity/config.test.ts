/** identity.conf: defaults, the sample file, paths relative to the file, refused settings. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Config } from '../../../common/config.js';
import { readIdentityConfig } from '../../../identity/config.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratus-identity-conf-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const load = async (text: string) => {
  await writeFile(join(dir, 'identity.conf'), text);
  return readIdentityConfig(await Config.load(join(dir, 'identity.conf')));
};

describe('identity.conf', () => {
  it('reads the commented sample as the defaults, paths beside the file', async () => {
    const sample = await Config.load(
      join(import.meta.dirname, '../../../etc/identity.conf-sample'),
    );
    const config = await load('');
    expect(readIdentityConfig(sample)).toMatchObject({ bindPort: 5000, tokenExpiration: 3600 });
    expect(config).toEqual({
      bindIp: '127.0.0.1',
      bindPort: 5000,
      logLevel: 'info',
      publicEndpoint: '',
      dbPath: join(dir, 'identity.db'),
      tokenExpiration: 3600,
      credentialKeyFile: join(dir, 'credential.key'),
      defaultDomainId: 'default',
      passwordHashCost: 32768,
    });
  });

  it('takes settings and refuses typos and bad values', async () => {
    const config = await load(
      '[DEFAULT]\nbind_port = 5001\npublic_endpoint = https://id.example.com/\n[token]\nexpiration = 60\n[database]\npath = db/x.db\n',
    );
    expect(config).toMatchObject({
      bindPort: 5001,
      publicEndpoint: 'https://id.example.com',
      tokenExpiration: 60,
      dbPath: join(dir, 'db/x.db'),
      credentialKeyFile: join(dir, 'db/credential.key'),
    });
    await expect(load('[token]\nexpiry = 60\n')).rejects.toThrow(
      /expiry is not a known setting of \[token\]/,
    );
    await expect(load('[token]\nexpiration = 0\n')).rejects.toThrow(/must be at least 1/);
    await expect(load('[identity]\npassword_hash_cost = 3000\n')).rejects.toThrow(/power of two/);
  });
});
