/**
 * The baseline server for the physical limits: node:http answering every request with 4 KiB
 * from memory (after draining any body). Prints its port on stdout; stopped by a signal.
 */
import { createServer } from 'node:http';

const BODY = Buffer.alloc(4096, 'x');
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'Content-Length': BODY.length }).end(BODY));
});
server.keepAliveTimeout = 75_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.once('SIGTERM', () => process.exit(0));
