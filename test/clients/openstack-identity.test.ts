/**
 * python-openstackclient (Debian's python3-openstackclient) against the identity service of a
 * cluster started by the launcher, using the openrc it writes — exactly what
 * `source data/openrc && openstack …` does for a user.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { clientAvailable, runClient } from '../helpers/real-client.js';

const hasOpenstack = clientAvailable('openstack', 'python3-openstackclient');

const quote = (arg: string): string => `'${arg.replace(/'/g, "'\\''")}'`;

describe.skipIf(!hasOpenstack)(
  'python-openstackclient (openstack CLI) with the identity service',
  () => {
    let env: TestCluster;
    let openrc: string;

    /** `openstack <args> -f json` with the cluster's openrc sourced; parsed output. */
    async function openstack(...args: string[]): Promise<ReturnType<typeof JSON.parse>> {
      const { stdout } = await runClient('bash', [
        '-c',
        `source ${quote(openrc)} && openstack ${args.map(quote).join(' ')}`,
      ]);
      return stdout.trim() === '' ? undefined : JSON.parse(stdout);
    }

    beforeAll(async () => {
      env = await startCluster({ identity: true });
      openrc = join(env.cluster.layout.dataDir, 'openrc');
    });

    afterAll(async () => {
      await env?.stop();
    });

    it('issues a token for the demo admin from openrc', async () => {
      const token = await openstack('token', 'issue', '-f', 'json');
      expect(token.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(token.project_id).toMatch(/^[0-9a-f]{32}$/);
      expect(Date.parse(String(token.expires))).toBeGreaterThan(Date.now());
    });

    it('lists the catalog and the endpoints, the object store at the proxy', async () => {
      const catalog = (await openstack('catalog', 'list', '-f', 'json')) as {
        Name: string;
        Type: string;
        Endpoints: unknown;
      }[];
      expect(catalog.map((s) => s.Type).sort()).toEqual(['identity', 'object-store']);
      const token = await openstack('token', 'issue', '-f', 'json');
      expect(JSON.stringify(catalog)).toContain(`${env.proxyUrl}/v1/AUTH_${token.project_id}`);
      const endpoints = (await openstack('endpoint', 'list', '-f', 'json')) as Record<
        string,
        string
      >[];
      const swift = endpoints.filter((e) => e['Service Type'] === 'object-store');
      expect(swift.map((e) => e.Interface).sort()).toEqual(['admin', 'internal', 'public']);
      expect(swift.find((e) => e.Interface === 'public')!.URL).toBe(
        `${env.proxyUrl}/v1/AUTH_$(project_id)s`,
      );
      expect(endpoints.find((e) => e['Service Type'] === 'identity')!.URL).toBe(
        env.identityAuthUrl,
      );
    });

    it('creates a project and a user, adds a role and lists the assignment', async () => {
      const project = await openstack(
        'project',
        'create',
        '--description',
        'Demo project',
        'demo',
        '-f',
        'json',
      );
      expect(project).toMatchObject({
        name: 'demo',
        domain_id: 'default',
        enabled: true,
        description: 'Demo project',
      });
      const user = await openstack(
        'user',
        'create',
        '--password',
        'alice-pw',
        '--email',
        'alice@example.com',
        'alice',
        '-f',
        'json',
      );
      expect(user).toMatchObject({
        name: 'alice',
        domain_id: 'default',
        email: 'alice@example.com',
      });
      await openstack('role', 'add', '--project', 'demo', '--user', 'alice', 'member');
      const assignments = (await openstack(
        'role',
        'assignment',
        'list',
        '--user',
        'alice',
        '--project',
        'demo',
        '--names',
        '-f',
        'json',
      )) as Record<string, string>[];
      expect(assignments).toEqual([
        expect.objectContaining({ Role: 'member', User: 'alice@Default', Project: 'demo@Default' }),
      ]);
      const effective = (await openstack(
        'role',
        'assignment',
        'list',
        '--user',
        'alice',
        '--effective',
        '--names',
        '-f',
        'json',
      )) as Record<string, string>[];
      expect(effective.map((a) => a.Role).sort()).toEqual(['member', 'reader']);

      // The new user logs in with her own credentials.
      const { stdout } = await runClient('openstack', [
        '--os-auth-url',
        env.identityAuthUrl!,
        '--os-identity-api-version',
        '3',
        '--os-username',
        'alice',
        '--os-password',
        'alice-pw',
        '--os-project-name',
        'demo',
        '--os-user-domain-name',
        'Default',
        '--os-project-domain-name',
        'Default',
        'token',
        'issue',
        '-f',
        'json',
      ]);
      expect(JSON.parse(stdout).project_id).toBe(project.id);
    });

    it('creates and lists EC2 credentials', async () => {
      const created = await openstack(
        'ec2',
        'credentials',
        'create',
        '--user',
        'alice',
        '--project',
        'demo',
        '-f',
        'json',
      );
      expect(created.access).toMatch(/^[0-9a-f]{32}$/);
      expect(created.secret).toMatch(/^[0-9a-f]{32}$/);
      const listed = (await openstack(
        'ec2',
        'credentials',
        'list',
        '--user',
        'alice',
        '-f',
        'json',
      )) as Record<string, string>[];
      expect(listed).toEqual([
        expect.objectContaining({ Access: created.access, Secret: created.secret }),
      ]);
    });

    it('refuses a wrong password as Keystone does', async () => {
      const failed = await runClient('openstack', [
        '--os-auth-url',
        env.identityAuthUrl!,
        '--os-identity-api-version',
        '3',
        '--os-username',
        'alice',
        '--os-password',
        'wrong',
        '--os-project-name',
        'demo',
        '--os-user-domain-name',
        'Default',
        '--os-project-domain-name',
        'Default',
        'token',
        'issue',
      ]).then(
        () => '',
        (err: Error) => err.message,
      );
      expect(failed).toMatch(/The request you have made requires authentication\. \(HTTP 401\)/);
    });
  },
);
