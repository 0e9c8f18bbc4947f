/** Commands that change existing devices: set_weight, set_region, set_zone, remove. */
import type { BuilderDevice, RingBuilder } from '../builder.js';
import { formatDevice } from '../device-spec.js';
import { formatWeight } from '../format.js';
import { EXIT_ERROR, EXIT_SUCCESS, type Command, type CommandContext } from './context.js';
import {
  confirmDevices,
  filterFromOptions,
  hasDeviceOptions,
  parseDeviceArgs,
  parseInteger,
  parseNumber,
  searchByValue,
  searchDevices,
} from './device-options.js';

const SEARCH_OPTIONS = `--region <region> --zone <zone> --ip <ip or hostname> --port <port>
    --replication-ip <r_ip or r_hostname> --replication-port <r_port>
    --device <device_name> --meta <meta> --weight <weight>`;

interface Change {
  devices: BuilderDevice[];
  value: string;
}

/**
 * set_weight / set_region / set_zone share one shape: `<search-value> <new> [...]`, or the
 * option form with one positional `<new>`.
 */
function setter(
  name: string,
  what: string,
  parse: (text: string) => number,
  apply: (builder: RingBuilder, dev: BuilderDevice, value: number) => string,
): Command {
  return {
    name,
    usage: `stratus-ring-builder <builder_file> ${name} <search-value> <new_${what}>
    [<search-value> <new_${what}>] ...
    [--yes]

or

stratus-ring-builder <builder_file> ${name}
    ${SEARCH_OPTIONS} <new_${what}>
    [--yes]

    Resets the devices' ${what}s. No partitions will be reassigned to or from
    the device until after running 'rebalance'. This is so you can make
    multiple device changes and rebalance them all just once.

    Option --yes assume a yes response to all questions.`,
    async run(ctx, args) {
      const { values, positionals } = parseDeviceArgs(args);
      const optionForm = hasDeviceOptions(values);
      if (
        positionals.length === 0 ||
        (optionForm ? positionals.length !== 1 : positionals.length % 2 !== 0)
      ) {
        ctx.io.out(this.usage);
        return EXIT_ERROR;
      }
      const builder = await ctx.load();
      const changes: Change[] = [];
      if (optionForm) {
        changes.push({
          devices: searchDevices(builder, filterFromOptions(values)),
          value: positionals[0]!,
        });
      } else {
        for (let i = 0; i < positionals.length; i += 2) {
          changes.push({
            devices: searchByValue(builder, positionals[i]!),
            value: positionals[i + 1]!,
          });
        }
      }
      for (const { devices, value } of changes) {
        const parsed = parse(value);
        const ok = await confirmDevices(
          ctx,
          devices,
          `update the ${what} for these %d devices`,
          'Aborting device modifications',
          values.yes === true,
        );
        if (!ok) return EXIT_ERROR;
        for (const dev of devices) ctx.io.out(apply(builder, dev, parsed));
      }
      await ctx.save(builder);
      return EXIT_SUCCESS;
    },
  };
}

export const setWeight = setter(
  'set_weight',
  'weight',
  (text) => parseNumber(text, 'weight'),
  (builder, dev, weight) => {
    builder.setWeight(dev.id, weight);
    return `${formatDevice(dev)} weight set to ${formatWeight(weight)}`;
  },
);

export const setRegion = setter(
  'set_region',
  'region',
  (text) => parseInteger(text, 'region'),
  (builder, dev, region) => {
    builder.setFailureDomain(dev.id, { region });
    return `${formatDevice(dev)} region set to ${region}`;
  },
);

export const setZone = setter(
  'set_zone',
  'zone',
  (text) => parseInteger(text, 'zone'),
  (builder, dev, zone) => {
    builder.setFailureDomain(dev.id, { zone });
    return `${formatDevice(dev)} zone set to ${zone}`;
  },
);

export const remove: Command = {
  name: 'remove',
  usage: `stratus-ring-builder <builder_file> remove <search-value> [search-value ...]
    [--yes]

or

stratus-ring-builder <builder_file> remove
    ${SEARCH_OPTIONS}
    [--yes]

    Removes the device(s) from the ring. This should normally just be used for
    a device that has failed. For a device you wish to decommission, it's best
    to set its weight to 0, wait for it to drain all its data, then use this
    remove command. This will not take effect until after running 'rebalance'.
    This is so you can make multiple device changes and rebalance them all just
    once.

    Option --yes assume a yes response to all questions.`,
  async run(ctx: CommandContext, args: string[]) {
    const { values, positionals } = parseDeviceArgs(args);
    const optionForm = hasDeviceOptions(values);
    if (optionForm === positionals.length > 0 || (!optionForm && positionals.length === 0)) {
      ctx.io.out(this.usage);
      return EXIT_ERROR;
    }
    const builder = await ctx.load();
    const devices = optionForm
      ? searchDevices(builder, filterFromOptions(values))
      : [...new Set(positionals.flatMap((value) => searchByValue(builder, value)))];
    if (
      !(await confirmDevices(
        ctx,
        devices,
        'remove these %d devices',
        'Aborting device removals',
        values.yes === true,
      ))
    ) {
      return EXIT_ERROR;
    }
    for (const dev of devices) {
      builder.removeDevice(dev.id);
      ctx.io.out(`${formatDevice(dev)} marked for removal and will be removed next rebalance.`);
    }
    await ctx.save(builder);
    return EXIT_SUCCESS;
  },
};
