/**
 * `stratus-ring-builder <builder_file> <command> [args]`, with swift-ring-builder's syntax,
 * messages and exit codes: 0 success, 1 done with warnings, 2 error. Every error is one
 * clear line; a command that fails saves nothing.
 */
import { StratusError } from '../common/errors.js';
import { RingBuilderError } from './builder-error.js';
import { COMMANDS, DEFAULT_COMMAND, findCommand } from './commands/index.js';
import {
  builderAndRingPaths,
  createContext,
  EXIT_ERROR,
  EXIT_SUCCESS,
  type CliIO,
} from './commands/context.js';

const SEARCH_VALUE_HELP = `The <search-value> can be of the form:
    d<device_id>r<region>z<zone>-<ip>:<port>R<r_ip>:<r_port>/
     <device_name>_<meta>

    Where <r_ip> and <r_port> are replication ip and port.

    Any part is optional, but you must include at least one part.

    Examples:
        d74              Matches the device id 74
        r4               Matches devices in region 4
        z1               Matches devices in zone 1
        z1-1.2.3.4       Matches devices in zone 1 with the ip 1.2.3.4
        1.2.3.4          Matches devices in any zone with the ip 1.2.3.4
        z1:5678          Matches devices in zone 1 using port 5678
        :5678            Matches devices that use port 5678
        R5.6.7.8         Matches devices that use replication ip 5.6.7.8
        R:5678           Matches devices that use replication port 5678
        1.2.3.4R5.6.7.8  Matches devices that use ip 1.2.3.4 and replication ip
                         5.6.7.8
        /sdb1            Matches devices with the device name sdb1
        _shiny           Matches devices with shiny in the meta data
        _"snet: 5.6.7.8" Matches devices with snet: 5.6.7.8 in the meta data
        [::1]            Matches devices in any zone with the ip ::1
        z1-[::1]:5678    Matches devices in zone 1 with ip ::1 and port 5678

    Most specific example:
        d74r4z1-1.2.3.4:5678/sdb1_"snet: 5.6.7.8"`;

export function helpText(): string {
  const sections = [DEFAULT_COMMAND, ...COMMANDS].map((command) => command.usage);
  return [
    'stratus-ring-builder: builds the rings that place every account, container and object.',
    ...sections,
    SEARCH_VALUE_HELP,
    `Quick list: ${COMMANDS.map((c) => c.name).join(' ')}`,
    'Exit codes: 0 = operation successful\n            1 = operation completed with warnings\n            2 = error',
  ].join('\n\n');
}

export async function runCli(argv: string[], io: CliIO, now?: () => number): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    io.out(helpText());
    return EXIT_SUCCESS;
  }
  const { builderPath, ringPath } = builderAndRingPaths(argv[0]!);
  if (builderPath !== argv[0])
    io.out(`Note: using ${builderPath} instead of ${argv[0]} as builder file`);
  const name = argv[1] ?? 'default';
  const command = findCommand(name);
  if (!command) {
    io.out(`Unknown command: ${name}`);
    return EXIT_ERROR;
  }
  const ctx = createContext(builderPath, ringPath, io, now);
  try {
    return await command.run(ctx, argv.slice(2));
  } catch (err) {
    if (err instanceof RingBuilderError || err instanceof StratusError) {
      io.out(err.message);
      return EXIT_ERROR;
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'ENOSPC' || code === 'EROFS') {
      io.out(`${(err as Error).message}. The on-disk ring builder is unchanged.`);
      return EXIT_ERROR;
    }
    throw err;
  }
}
