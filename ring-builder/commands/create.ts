import { RingBuilder } from '../builder.js';
import { EXIT_ERROR, EXIT_SUCCESS, type Command } from './context.js';
import { parseInteger, parseNumber } from './device-options.js';

export const create: Command = {
  name: 'create',
  usage: `stratus-ring-builder <builder_file> create <part_power> <replicas> <min_part_hours>
    Creates <builder_file> with 2^<part_power> partitions and <replicas>.
    <min_part_hours> is number of hours to restrict moving a partition more
    than once.`,
  async run(ctx, args) {
    if (args.length !== 3) {
      ctx.io.out(this.usage);
      return EXIT_ERROR;
    }
    const [partPower, replicas, minPartHours] = args as [string, string, string];
    const builder = new RingBuilder(
      parseInteger(partPower, 'part_power'),
      parseNumber(replicas, 'replicas'),
      parseInteger(minPartHours, 'min_part_hours'),
    );
    await ctx.save(builder, { backup: true });
    return EXIT_SUCCESS;
  },
};
