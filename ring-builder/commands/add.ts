import { RingBuilderError } from '../builder-error.js';
import type { NewDevice } from '../builder.js';
import { formatDevice, parseAddValue, validateHost } from '../device-spec.js';
import { formatWeight } from '../format.js';
import { EXIT_ERROR, EXIT_SUCCESS, type Command } from './context.js';
import {
  hasDeviceOptions,
  parseDeviceArgs,
  parseInteger,
  parseNumber,
  type DeviceOptionValues,
} from './device-options.js';

export const add: Command = {
  name: 'add',
  usage: `stratus-ring-builder <builder_file> add
    [r<region>]z<zone>-<ip>:<port>[R<r_ip>:<r_port>]/<device_name>_<meta>
     <weight>
    [[r<region>]z<zone>-<ip>:<port>[R<r_ip>:<r_port>]/<device_name>_<meta>
     <weight>] ...

    Where <r_ip> and <r_port> are replication ip and port.

or

stratus-ring-builder <builder_file> add
    --region <region> --zone <zone> --ip <ip or hostname> --port <port>
    [--replication-ip <r_ip or r_hostname>] [--replication-port <r_port>]
    --device <device_name> --weight <weight>
    [--meta <meta>]

    Adds devices to the ring with the given information. No partitions will be
    assigned to the new device until after running 'rebalance'. This is so you
    can make multiple device changes and rebalance them all just once.`,
  async run(ctx, args) {
    const { values, positionals } = parseDeviceArgs(args);
    const optionForm = hasDeviceOptions(values);
    if (
      args.length === 0 ||
      (positionals.length > 0 && (optionForm || positionals.length % 2 !== 0))
    ) {
      ctx.io.out(this.usage);
      return EXIT_ERROR;
    }
    const builder = await ctx.load();
    let devices: NewDevice[];
    try {
      devices = optionForm
        ? [deviceFromOptions(values)]
        : devicesFromPairs(positionals, (line) => ctx.io.err(line));
    } catch (err) {
      if (!(err instanceof RingBuilderError)) throw err;
      ctx.io.out(err.message);
      ctx.io.out('The on-disk ring builder is unchanged.');
      return EXIT_ERROR;
    }
    for (const device of devices) {
      try {
        const id = builder.addDevice(device);
        ctx.io.out(
          `Device ${formatDevice(builder.getDevice(id))} with ${formatWeight(device.weight)} weight got id ${id}`,
        );
      } catch (err) {
        if (!(err instanceof RingBuilderError)) throw err;
        ctx.io.out(err.message);
        ctx.io.out('The on-disk ring builder is unchanged.');
        return EXIT_ERROR;
      }
    }
    await ctx.save(builder);
    return EXIT_SUCCESS;
  },
};

function devicesFromPairs(positionals: string[], warn: (line: string) => void): NewDevice[] {
  const devices: NewDevice[] = [];
  for (let i = 0; i < positionals.length; i += 2) {
    const text = positionals[i]!;
    const parsed = parseAddValue(text);
    if (parsed.defaultedRegion)
      warn(`WARNING: No region specified for ${text}. Defaulting to region 1.`);
    const { defaultedRegion: _ignored, ...device } = parsed;
    devices.push({ ...device, weight: parseNumber(positionals[i + 1]!, 'weight') });
  }
  return devices;
}

function deviceFromOptions(values: DeviceOptionValues): NewDevice {
  const required = (
    key: 'region' | 'zone' | 'ip' | 'port' | 'device' | 'weight',
    short: string,
  ): string => {
    const value = values[key];
    if (value === undefined || value === '')
      throw new RingBuilderError(`Required argument -${short}/--${key} not specified.`);
    return value;
  };
  const region = parseInteger(required('region', 'r'), 'region');
  const zone = parseInteger(required('zone', 'z'), 'zone');
  const ip = validateHost(required('ip', 'i').replace(/^\[|\]$/g, ''));
  const port = parseInteger(required('port', 'p'), 'port');
  const device = required('device', 'd');
  const weight = parseNumber(required('weight', 'w'), 'weight');
  const replicationIp = values['replication-ip']
    ? validateHost(values['replication-ip'].replace(/^\[|\]$/g, ''))
    : ip;
  const replicationPort = values['replication-port']
    ? parseInteger(values['replication-port'], 'replication port')
    : port;
  return {
    region,
    zone,
    ip,
    port,
    replicationIp,
    replicationPort,
    device,
    weight,
    meta: values.meta ?? '',
  };
}
