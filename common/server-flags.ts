/**
 * The V8 flags the data-path servers (proxy and storage node) run with. They cannot go in
 * NODE_OPTIONS, so every launcher passes them (local-cluster/, the systemd units in
 * docs/deployment.md, the entry points' shebangs) and each server warns at start-up without them.
 *
 * `--initial-old-space-size=64`: V8 counts the external memory of Buffers — every body chunk
 * the HTTP parser hands over is a new one — against the old generation's allocation limit
 * until the next full mark-compact, even after young-generation GCs have freed them. A server
 * heap is ~12 MB, so that limit sat ~15 MB above it, and a node receiving 100 MiB/s of uploads
 * started a full GC every 0.1–0.3 s: ~15% of the machine's CPU (bench/README.md). V8 skips full
 * GCs below a configured initial old-generation size, and with a 64 MB floor the same uploads
 * ran without a single one. It only moves the limit: nothing is reserved up front.
 */
export const SERVER_V8_FLAGS: readonly string[] = ['--initial-old-space-size=64'];

/** The flags of SERVER_V8_FLAGS this process was not started with. */
export function missingServerFlags(execArgv: readonly string[] = process.execArgv): string[] {
  const name = (flag: string) => flag.split('=')[0];
  return SERVER_V8_FLAGS.filter((flag) => !execArgv.some((arg) => name(arg) === name(flag)));
}

/** The warning a server logs when started without its flags, or undefined. */
export function serverFlagsWarning(server: string): string | undefined {
  const missing = missingServerFlags();
  if (missing.length === 0) return undefined;
  return (
    `${server} started without ${missing.join(' ')}: large transfers will spend up to a ` +
    `sixth of the CPU in garbage collection; start it as \`node ${SERVER_V8_FLAGS.join(' ')} ` +
    `…/main.js\` (docs/deployment.md)`
  );
}
