/**
 * The object store through Keystone with Debian's real clients: python-openstackclient
 * (`openstack container …`, `openstack object …`, `openstack object store account show`) and
 * python-swiftclient with v3 auth (`swift --os-auth-url …/v3 --auth-version 3 …`). Both log in
 * to the cluster's identity service, find the proxy in the token's catalog (object-store,
 * `…/v1/AUTH_<project id>`), and keystoneauth lets them into their project's account.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { KeystoneProjects, type KeystoneUser } from '../helpers/keystone-projects.js';
import { clientAvailable, runClient } from '../helpers/real-client.js';

const hasOpenstack = clientAvailable('openstack', 'python3-openstackclient');
const hasSwift = clientAvailable('swift', 'python3-swiftclient');

let env: TestCluster;
let work: string;
let demo: KeystoneUser; // member of project demo
let viewer: KeystoneUser; // reader of project demo

/** Keystone v3 password auth in each client's own option names, for one user. */
const openstackAuth = (user: KeystoneUser) => [
  '--os-auth-url',
  env.identityAuthUrl!,
  '--os-identity-api-version',
  '3',
  '--os-username',
  user.name,
  // One argument: a random password may begin with '-', which the clients would read as an option.
  `--os-password=${user.password}`,
  '--os-project-name',
  user.project.name,
  '--os-user-domain-name',
  'Default',
  '--os-project-domain-name',
  'Default',
];
const swiftAuth = (user: KeystoneUser) => [
  '--os-auth-url',
  env.identityAuthUrl!,
  '--auth-version',
  '3',
  '--os-username',
  user.name,
  // One argument: a random password may begin with '-', which the clients would read as an option.
  `--os-password=${user.password}`,
  '--os-project-name',
  user.project.name,
  '--os-user-domain-name',
  'Default',
  '--os-project-domain-name',
  'Default',
];

const openstack = (user: KeystoneUser, ...args: string[]) =>
  runClient('openstack', [...openstackAuth(user), ...args], { cwd: work });
const swift = (user: KeystoneUser, ...args: string[]) =>
  runClient('swift', [...swiftAuth(user), ...args], { cwd: work });

describe.skipIf(!hasOpenstack && !hasSwift)('object store through Keystone', () => {
  beforeAll(async () => {
    env = await startCluster({
      identity: true,
      identitySettings: { 'identity.password_hash_cost': '1024' },
    });
    work = await mkdtemp(join(tmpdir(), 'stratus-keystone-clients-'));
    const keystone = new KeystoneProjects(env.identityAuthUrl!, env.identityAdmin!);
    const project = await keystone.createProject('demo');
    demo = await keystone.createUser('demo', project, ['member']);
    viewer = await keystone.createUser('viewer', project, ['reader']);
  });

  afterAll(async () => {
    await env?.stop();
  });

  describe.skipIf(!hasOpenstack)('python-openstackclient', () => {
    it('creates and lists containers', async () => {
      const created = await openstack(demo, 'container', 'create', 'photos', '-f', 'json');
      expect(JSON.parse(created.stdout)).toEqual([
        expect.objectContaining({ account: `AUTH_${demo.project.id}`, container: 'photos' }),
      ]);
      expect((await openstack(demo, 'container', 'list', '-f', 'value')).stdout.trim()).toBe(
        'photos',
      );
    });

    it('creates, lists, saves and deletes objects', async () => {
      const bytes = randomBytes(70_000);
      await writeFile(join(work, 'cat.jpg'), bytes);
      await openstack(demo, 'object', 'create', 'photos', 'cat.jpg');
      expect((await openstack(demo, 'object', 'list', 'photos', '-f', 'value')).stdout.trim()).toBe(
        'cat.jpg',
      );
      await openstack(demo, 'object', 'save', 'photos', 'cat.jpg', '--file', 'saved.jpg');
      expect((await readFile(join(work, 'saved.jpg'))).equals(bytes)).toBe(true);

      const account = JSON.parse(
        (await openstack(demo, 'object', 'store', 'account', 'show', '-f', 'json')).stdout,
      ) as Record<string, string>;
      expect(account).toMatchObject({
        Account: `AUTH_${demo.project.id}`,
        Containers: '1',
        Objects: '1',
        Bytes: String(bytes.length),
      });

      await openstack(demo, 'object', 'delete', 'photos', 'cat.jpg');
      expect((await openstack(demo, 'object', 'list', 'photos', '-f', 'value')).stdout.trim()).toBe(
        '',
      );
    });
  });

  describe.skipIf(!hasSwift)('python-swiftclient with v3 auth', () => {
    it('uploads, lists and stats with a project-scoped token', async () => {
      await writeFile(join(work, 'notes.txt'), 'keystone works\n');
      expect((await swift(demo, 'upload', 'docs', 'notes.txt')).stdout.trim()).toBe('notes.txt');
      expect((await swift(demo, 'list')).stdout).toContain('docs\n');
      expect((await swift(demo, 'list', 'docs')).stdout.trim()).toBe('notes.txt');
      const stat = (await swift(demo, 'stat')).stdout;
      expect(stat).toMatch(new RegExp(`Account: AUTH_${demo.project.id}`));
    });

    it('lets a reader download but not upload', async () => {
      await swift(viewer, 'download', 'docs', 'notes.txt', '-o', 'copy.txt');
      expect(await readFile(join(work, 'copy.txt'), 'utf8')).toBe('keystone works\n');
      await expect(swift(viewer, 'upload', 'docs', 'notes.txt')).rejects.toThrow(/403/);
    });
  });
});
