/**
 * Starts and stops the cluster's processes: each a real `node dist/.../main.js <conf>` with its
 * output in a log file, considered up once its /healthcheck answers.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SERVER_V8_FLAGS } from '../common/server-flags.js';
import type { IdentityLayout, NodeLayout, ProxyLayout } from './layout.js';

// Compiled entry points: from dist/local-cluster/ (npm start) or from the sources (tests run TS).
const here = fileURLToPath(import.meta.url);
const DIST = here.endsWith('.ts') ? join(dirname(here), '..', 'dist') : join(dirname(here), '..');
const STORAGE_NODE_MAIN = join(DIST, 'storage-node', 'main.js');
const PROXY_MAIN = join(DIST, 'proxy', 'main.js');
const IDENTITY_MAIN = join(DIST, 'identity', 'main.js');
const IDENTITY_BOOTSTRAP = join(DIST, 'identity', 'bootstrap.js');

export interface ManagedProcess {
  name: string;
  logPath: string;
  /** Set once we asked it to stop (an exit is then expected). */
  stopping: boolean;
  child: ChildProcess;
  exited: Promise<number | null>;
}

/**
 * Starts `node <nodeFlags> <script> <args>`, optionally behind a command prefix (e.g.
 * `ip netns exec <namespace>`, so a test can give a node a network of its own).
 */
export function startProcess(
  name: string,
  script: string,
  args: string[],
  logPath: string,
  options: { prefix?: readonly string[]; nodeFlags?: readonly string[] } = {},
): ManagedProcess {
  const { prefix = [], nodeFlags = [] } = options;
  const log = openSync(logPath, 'a');
  const command = [...prefix, process.execPath, ...nodeFlags, script, ...args];
  const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', log, log] });
  closeSync(log);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { name, logPath, child, exited, stopping: false };
}

export function startStorageNode(node: NodeLayout): ManagedProcess {
  return startProcess(
    `storage-node-${node.index + 1}`,
    STORAGE_NODE_MAIN,
    [node.confPath],
    node.logPath,
    { prefix: node.commandPrefix, nodeFlags: SERVER_V8_FLAGS },
  );
}

export function startProxy(proxy: ProxyLayout): ManagedProcess {
  return startProcess('proxy-server', PROXY_MAIN, [proxy.confPath], proxy.logPath, {
    nodeFlags: SERVER_V8_FLAGS,
  });
}

export function startIdentity(identity: IdentityLayout): ManagedProcess {
  return startProcess('identity-server', IDENTITY_MAIN, [identity.confPath], identity.logPath);
}

/** Runs the identity bootstrap CLI (as an operator would) and returns what it printed. */
export async function runIdentityBootstrap(
  identity: IdentityLayout,
  args: string[],
): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [
      IDENTITY_BOOTSTRAP,
      identity.confPath,
      ...args,
    ]);
    return stdout;
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`identity bootstrap failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`, {
      cause: err,
    });
  }
}

/** Polls `http://ip:port/healthcheck` until it answers 200; fails if the process exits first. */
export async function waitHealthy(
  proc: ManagedProcess,
  urls: string[],
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  for (const url of urls) {
    for (;;) {
      if (exited) throw new Error(`${proc.name} exited during start-up:\n${logTail(proc.logPath)}`);
      const ok = await fetch(`${url}/healthcheck`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline)
        throw new Error(`${proc.name} did not become healthy at ${url} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

export async function stopProcess(
  proc: ManagedProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 3000,
): Promise<void> {
  proc.stopping = true;
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill(signal);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  await proc.exited;
  clearTimeout(timer);
}

export function nodeUrls(node: NodeLayout): string[] {
  return [node.ports.object, node.ports.container, node.ports.account].map(
    (port) => `http://${node.ip}:${port}`,
  );
}

/** The last lines of a log, for error messages. */
export function logTail(path: string, lines = 20): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
