/** The command table: `stratus-ring-builder <builder_file> <command>` dispatches here. */
import { add } from './add.js';
import type { Command } from './context.js';
import { create } from './create.js';
import { dispersion } from './dispersion.js';
import { info } from './info.js';
import {
  pretendMinPartHoursPassed,
  setMinPartHours,
  setReplicas,
  validate,
  writeRing,
} from './maintenance.js';
import { remove, setRegion, setWeight, setZone } from './modify.js';
import { plan, rebalance } from './rebalance.js';
import { listParts, search } from './search.js';

export const DEFAULT_COMMAND = info;

export const COMMANDS: readonly Command[] = [
  add,
  create,
  dispersion,
  listParts,
  plan,
  pretendMinPartHoursPassed,
  rebalance,
  remove,
  search,
  setMinPartHours,
  setRegion,
  setReplicas,
  setWeight,
  setZone,
  validate,
  writeRing,
];

export function findCommand(name: string): Command | undefined {
  if (name === 'default') return DEFAULT_COMMAND;
  return COMMANDS.find((command) => command.name === name);
}
