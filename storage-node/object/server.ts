/** The object server: the backend protocol for objects (docs/backend-protocol.md). */
import type { NodeContext } from '../context.js';
import type { BackendApp } from '../http/types.js';
import { putObject } from './put.js';
import { readObject } from './read.js';
import { replicate } from './replicate.js';
import { deleteObject, postObject } from './update.js';

export function createObjectApp(ctx: NodeContext): BackendApp {
  return {
    name: 'object-server',
    minParts: 5,
    maxParts: 5,
    partitionCount: () => ctx.rings.object.partitionCount,
    handlers: {
      PUT: (req) => putObject(ctx, req),
      GET: (req) => readObject(ctx, req),
      HEAD: (req) => readObject(ctx, req),
      POST: (req) => postObject(ctx, req),
      DELETE: (req) => deleteObject(ctx, req),
    },
    replicate: (req) => replicate(ctx, req),
  };
}
