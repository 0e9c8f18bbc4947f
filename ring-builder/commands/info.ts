import { serializeRing } from '../../common/ring/ring-data.js';
import { deviceTable, formatDuration, summaryLine } from '../format.js';
import { EXIT_SUCCESS, type Command } from './context.js';

export const info: Command = {
  name: 'default',
  usage: `stratus-ring-builder <builder_file>
    Shows information about the ring and the devices within. Output
    includes a table that describes the report parameters (id, region,
    port, flags, etc).
    flags: possible values are 'DEL' and ''
        DEL - indicates that the device is marked for removal from
              ring and will be removed in next rebalance.`,
  async run(ctx) {
    const builder = await ctx.load();
    const { io } = ctx;
    io.out(`${ctx.builderPath}, build version ${builder.version}, id ${builder.id}`);
    io.out(summaryLine(builder, builder.getDispersion()));
    io.out(
      `The minimum number of hours before a partition can be reassigned is ${builder.minPartHours} ` +
        `(${formatDuration(builder.minPartSecondsLeft(ctx.now()))} remaining)`,
    );
    io.out('The overload factor is 0.00% (0.000000)');
    const ring = await ctx.readRing();
    if (!ring) {
      io.out(`Ring file ${ctx.ringPath} not found, probably it hasn't been written yet`);
    } else if (builder.hasTable && ring.equals(serializeRing(builder.toRingData()))) {
      io.out(`Ring file ${ctx.ringPath} is up-to-date`);
    } else {
      io.out(`Ring file ${ctx.ringPath} is obsolete`);
    }
    for (const line of deviceTable(builder)) io.out(line);
    if (builder.devices.length === 0)
      io.out('There are no devices in this ring, or all devices have been deleted');
    return EXIT_SUCCESS;
  },
};
