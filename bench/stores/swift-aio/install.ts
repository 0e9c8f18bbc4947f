/**
 * Makes sure OpenStack Swift (Debian's packages) and memcached are installed: installs them
 * with apt-get when a command is missing. Debian bookworm ships Swift 2.30.1. The packages'
 * services are not used (the benchmark runs each server itself, on its own ports).
 */
import { execFile, spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const SWIFT_PACKAGES = [
  'swift',
  'swift-proxy',
  'swift-object',
  'swift-container',
  'swift-account',
  'python3-swift',
  'memcached',
];

const COMMANDS = [
  'swift-proxy-server',
  'swift-object-server',
  'swift-container-server',
  'swift-account-server',
  'swift-ring-builder',
  'swift-get-nodes',
  'memcached',
];

async function onPath(command: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    try {
      await access(`${dir}/${command}`, constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

function aptGet(args: string[]): Promise<number | null> {
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const command = [...sudo, 'apt-get', ...args];
  process.stderr.write(`$ ${command.join(' ')}\n`);
  const child = spawn(command[0]!, command.slice(1), {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return new Promise((resolve) => {
    child.once('error', () => resolve(null));
    child.once('exit', resolve);
  });
}

export async function ensureSwiftInstalled(): Promise<string> {
  const missing = [];
  for (const command of COMMANDS) if (!(await onPath(command))) missing.push(command);
  if (missing.length > 0) {
    process.stderr.write(`Swift is not installed (missing ${missing.join(', ')}); installing …\n`);
    const install = ['install', '-y', '--no-install-recommends', ...SWIFT_PACKAGES];
    if ((await aptGet(install)) !== 0) {
      // A fresh machine may have no package lists yet.
      if ((await aptGet(['update'])) !== 0 || (await aptGet(install)) !== 0)
        throw new Error(
          `could not install ${SWIFT_PACKAGES.join(' ')} with apt-get (root or sudo needed)`,
        );
    }
  }
  const { stdout } = await run('dpkg-query', ['-W', '-f=${Version}', 'python3-swift']).catch(
    () => ({
      stdout: 'unknown',
    }),
  );
  return stdout.trim();
}
