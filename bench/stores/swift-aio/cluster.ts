/**
 * Starts an OpenStack Swift all-in-one for the comparison (config.ts says what it is), each
 * server as its own process (`swift-object-server <conf>` …), devices as folders on the same
 * filesystem as Stratus's, memcached for TempAuth's tokens, and a UDP syslog receiver so
 * Swift's warnings land in `<dir>/swift.log`. `stop()` stops all of it.
 */
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { appendFileSync, existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { freePort } from '../../../local-cluster/layout.js';
import type { ContainerReplica } from '../../listing-seed.js';
import { processTree } from '../../proc.js';
import {
  healthy,
  listening,
  startLogged,
  stopGroup,
  waitUntil,
  type Started,
} from '../../processes.js';
import type { Endpoint } from '../../swift-session.js';
import {
  confPath,
  proxyConf,
  storageConf,
  SWIFT_USER,
  type ServerKind,
  type SwiftLayout,
} from './config.js';

const run = promisify(execFile);
const KINDS: ServerKind[] = ['object', 'container', 'account'];
const SWIFT_CONF = '/etc/swift/swift.conf';

export class SwiftAio {
  private readonly processes: Started[] = [];
  private syslog?: ReturnType<typeof createSocket>;
  private proxy?: Started;

  private constructor(readonly layout: SwiftLayout) {}

  static async start(options: {
    dir: string;
    partPower: number;
    workers: string;
  }): Promise<SwiftAio> {
    const nodes = [];
    const taken = new Set<number>(); // every port distinct (freePort)
    const pick = () => freePort(taken);
    for (let index = 0; index < 4; index++) {
      const ports = {
        object: await pick(),
        container: await pick(),
        account: await pick(),
      };
      nodes.push({ index, ports, devicesRoot: join(options.dir, `node${index + 1}`, 'srv') });
    }
    const layout: SwiftLayout = {
      dir: options.dir,
      swiftDir: join(options.dir, 'etc'),
      proxyPort: await pick(),
      memcachePort: await pick(),
      syslogPort: await pick(),
      workers: options.workers,
      nodes,
    };
    const aio = new SwiftAio(layout);
    try {
      await aio.writeFiles(options.partPower);
      await aio.startAll();
    } catch (err) {
      await aio.stop();
      throw err;
    }
    return aio;
  }

  get endpoint(): Endpoint {
    return {
      name: 'swift',
      authUrl: `http://127.0.0.1:${this.layout.proxyPort}/auth/v1.0`,
      user: SWIFT_USER.login,
      key: SWIFT_USER.key,
      proxyPids: () => (this.proxy?.child.pid ? [this.proxy.child.pid] : []),
      serverPids: () =>
        this.processes.flatMap((p) => (p.child.pid ? processTree(p.child.pid) : [])),
    };
  }

  private async writeFiles(partPower: number): Promise<void> {
    const { layout } = this;
    await mkdir(layout.swiftDir, { recursive: true });
    await ensureSwiftConf();
    for (const node of layout.nodes) {
      await mkdir(join(node.devicesRoot, 'sdb1'), { recursive: true });
      for (const kind of KINDS)
        await writeFile(confPath(layout, node, kind), storageConf(layout, node, kind));
    }
    await writeFile(join(layout.swiftDir, 'proxy-server.conf'), proxyConf(layout));
    for (const kind of KINDS) {
      const builder = join(layout.swiftDir, `${kind}.builder`);
      await ringBuilder(builder, 'create', String(partPower), '3', '1');
      for (const node of layout.nodes)
        await ringBuilder(
          builder,
          'add',
          `r1z${node.index + 1}-127.0.0.1:${node.ports[kind]}/sdb1`,
          '100',
        );
      await ringBuilder(builder, 'rebalance');
    }
  }

  private async startAll(): Promise<void> {
    const { layout } = this;
    const log = join(layout.dir, 'swift.log');
    this.syslog = createSocket('udp4');
    this.syslog.on('message', (message) => appendFileSync(log, `${message.toString('utf8')}\n`));
    await new Promise<void>((resolve) =>
      this.syslog!.bind(layout.syslogPort, '127.0.0.1', resolve),
    );

    const asRoot = process.getuid?.() === 0 ? ['-u', userInfo().username] : [];
    const memcached = this.spawn('memcached', 'memcached', [
      '-l',
      '127.0.0.1',
      '-p',
      String(layout.memcachePort),
      '-U',
      '0',
      '-m',
      '64',
      '-t',
      '1',
      ...asRoot,
    ]);
    await waitUntil(memcached, 'port', listening(layout.memcachePort));

    const servers: Promise<void>[] = [];
    for (const node of layout.nodes) {
      for (const kind of KINDS) {
        const started = this.spawn(
          `swift-${kind}-server-${node.index + 1}`,
          `swift-${kind}-server`,
          [confPath(layout, node, kind)],
        );
        servers.push(
          waitUntil(started, 'healthcheck', healthy(`http://127.0.0.1:${node.ports[kind]}`)),
        );
      }
    }
    await Promise.all(servers);
    this.proxy = this.spawn('swift-proxy-server', 'swift-proxy-server', [
      join(layout.swiftDir, 'proxy-server.conf'),
    ]);
    await waitUntil(this.proxy, 'healthcheck', healthy(`http://127.0.0.1:${layout.proxyPort}`));
  }

  private spawn(name: string, command: string, args: string[]): Started {
    const started = startLogged(name, command, args, join(this.layout.dir, `${name}.out`));
    this.processes.push(started);
    return started;
  }

  /** The container's replicas, from Swift's own ring (swift-get-nodes). */
  async containerReplicas(account: string, container: string): Promise<ContainerReplica[]> {
    const ring = join(this.layout.swiftDir, 'container.ring.gz');
    const { stdout } = await run('swift-get-nodes', ['-a', ring, account, container]);
    const partition = Number(/^Partition\s+(\d+)/m.exec(stdout)?.[1]);
    const replicas = [...stdout.matchAll(/^Server:Port Device\s+([\d.]+):(\d+) (\S+)\s*$/gm)].map(
      ([, host, port, device]) => ({ host: host!, port: Number(port), device: device!, partition }),
    );
    if (!Number.isInteger(partition) || replicas.length !== 3)
      throw new Error(`could not read the container's nodes from swift-get-nodes:\n${stdout}`);
    return replicas;
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.reverse().map((started) => stopGroup(started)));
    this.syslog?.close();
    this.syslog = undefined;
  }
}

async function ringBuilder(builder: string, ...args: string[]): Promise<void> {
  try {
    await run('swift-ring-builder', [builder, ...args]);
  } catch (err) {
    // Exit 1 is a warning (e.g. "balance could be better"); only 2 is an error.
    if ((err as { code?: number }).code !== 1) throw err;
  }
}

/**
 * Swift reads its hash prefix/suffix and storage policies from /etc/swift/swift.conf whatever
 * swift_dir says; Debian's package installs one. Written only if it is missing.
 */
async function ensureSwiftConf(): Promise<void> {
  if (existsSync(SWIFT_CONF)) {
    const text = await readFile(SWIFT_CONF, 'utf8');
    if (/^\s*\[swift-hash\]/m.test(text)) return;
    throw new Error(`${SWIFT_CONF} has no [swift-hash] section; Swift cannot start`);
  }
  await mkdir('/etc/swift', { recursive: true });
  await writeFile(
    SWIFT_CONF,
    `[swift-hash]\nswift_hash_path_suffix = ${randomBytes(8).toString('hex')}\n\n[storage-policy:0]\nname = Policy-0\ndefault = yes\n`,
  );
}
