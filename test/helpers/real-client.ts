/**
 * Real clients from Debian (python3-swiftclient's `swift`, later openstack, aws …) are run as
 * separate programs. Where one is missing the tests skip with a clear message, so a newcomer's
 * run passes; CI installs them and sets STRATUS_REQUIRE_REAL_CLIENTS=1, which turns a missing
 * client into a failure instead.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export function clientAvailable(command: string, debianPackage: string): boolean {
  const found = spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
  if (!found && process.env.STRATUS_REQUIRE_REAL_CLIENTS === '1') {
    throw new Error(
      `${command} (Debian package ${debianPackage}) is required here but not installed`,
    );
  }
  if (!found) {
    console.warn(
      `Skipping real-client tests: \`${command}\` is not installed (apt-get install ${debianPackage}).`,
    );
  }
  return found;
}

export interface ClientRun {
  stdout: string;
  stderr: string;
}

/** Runs a client; rejects with its output when it exits non-zero. */
export async function runClient(
  command: string,
  args: string[],
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<ClientRun> {
  try {
    const { stdout, stderr } = await run(command, args, {
      cwd: options.cwd,
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { stdout, stderr };
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(
      `${command} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`,
      { cause: err },
    );
  }
}
