/** Read-only device queries: search and list_parts. */
import type { BuilderDevice, RingBuilder } from '../builder.js';
import { searchTable } from '../format.js';
import { EXIT_ERROR, EXIT_SUCCESS, type Command, type CommandContext } from './context.js';
import {
  filterFromOptions,
  hasDeviceOptions,
  parseDeviceArgs,
  searchByValue,
  searchDevices,
} from './device-options.js';

const OPTIONS_USAGE = `--region <region> --zone <zone> --ip <ip or hostname> --port <port>
    --replication-ip <r_ip or r_hostname> --replication-port <r_port>
    --device <device_name> --meta <meta> --weight <weight>`;

/** Devices named by one search value, several values, or the option form; undefined = bad usage. */
function selectDevices(
  builder: RingBuilder,
  args: string[],
  many: boolean,
): BuilderDevice[] | undefined {
  const { values, positionals } = parseDeviceArgs(args);
  const optionForm = hasDeviceOptions(values);
  if (optionForm && positionals.length > 0) return undefined;
  if (optionForm) return searchDevices(builder, filterFromOptions(values));
  if (positionals.length === 0 || (!many && positionals.length !== 1)) return undefined;
  return positionals.flatMap((value) => searchByValue(builder, value));
}

export const search: Command = {
  name: 'search',
  usage: `stratus-ring-builder <builder_file> search <search-value>

or

stratus-ring-builder <builder_file> search
    ${OPTIONS_USAGE}

    Shows information about matching devices.`,
  async run(ctx: CommandContext, args: string[]) {
    const builder = await ctx.load();
    const devices = selectDevices(builder, args, false);
    if (!devices) {
      ctx.io.out(this.usage);
      return EXIT_ERROR;
    }
    if (devices.length === 0) {
      ctx.io.out('No matching devices found');
      return EXIT_ERROR;
    }
    for (const line of searchTable(builder, devices)) ctx.io.out(line);
    return EXIT_SUCCESS;
  },
};

export const listParts: Command = {
  name: 'list_parts',
  usage: `stratus-ring-builder <builder_file> list_parts <search-value> [<search-value>] ..

or

stratus-ring-builder <builder_file> list_parts
    ${OPTIONS_USAGE}

    Returns a 2 column list of all the partitions that are assigned to any of
    the devices matching the search values given. The first column is the
    assigned partition number and the second column is the number of device
    matches for that partition. The list is ordered from most number of matches
    to least.`,
  async run(ctx: CommandContext, args: string[]) {
    const builder = await ctx.load();
    const devices = selectDevices(builder, args, true);
    if (!devices) {
      ctx.io.out(this.usage);
      return EXIT_ERROR;
    }
    if (!builder.hasTable) {
      ctx.io.out(
        `Specified builder file "${ctx.builderPath}" is not rebalanced yet. Please rebalance first.`,
      );
      return EXIT_ERROR;
    }
    const ids = new Set(devices.map((dev) => dev.id));
    const matches = new Map<number, number>();
    for (const row of builder.table) {
      row.forEach((id, part) => {
        if (ids.has(id)) matches.set(part, (matches.get(part) ?? 0) + 1);
      });
    }
    if (matches.size === 0) {
      ctx.io.out('No matching devices found');
      return EXIT_ERROR;
    }
    ctx.io.out('Partition   Matches');
    const sorted = [...matches].sort((a, b) => b[1] - a[1]);
    for (const [part, count] of sorted)
      ctx.io.out(`${String(part).padStart(9)}   ${String(count).padStart(7)}`);
    return EXIT_SUCCESS;
  },
};
