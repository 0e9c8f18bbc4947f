/** The contract between the backend HTTP server and the object, container and account apps. */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Logger } from '../../common/logger.js';
import type { BackendPath } from './backend-path.js';

export interface BackendRequest {
  method: string;
  path: BackendPath;
  headers: IncomingHttpHeaders;
  query: URLSearchParams;
  /** The request body, as a stream (never buffered by the framework). */
  body: IncomingMessage;
  txId: string;
  log: Logger;
  /** Tells a client that sent `Expect: 100-continue` to send the body; a no-op otherwise. */
  continueBody(): void;
  /** One header's value (the first, if repeated). */
  header(name: string): string | undefined;
}

export type HeaderValues = Record<string, string | number | undefined>;

export interface BackendResponse {
  status: number;
  headers?: HeaderValues;
  /** A stream is piped with backpressure; HEAD responses never send a body. */
  body?: string | Buffer | Readable;
}

export type Handler = (req: BackendRequest) => BackendResponse | Promise<BackendResponse>;

/** A replication request about a whole partition: `REPLICATE /<device>/<partition>[/<extra>]`. */
export interface ReplicateRequest {
  device: string;
  partition: number;
  /** What follows the partition (e.g. `abc-f01` suffixes), decoded; '' when none. */
  rest: string;
  headers: IncomingHttpHeaders;
  query: URLSearchParams;
  body: IncomingMessage;
  txId: string;
  log: Logger;
}

export type ReplicateHandler = (req: ReplicateRequest) => Promise<BackendResponse>;

export type BackendMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE' | typeof REPLICATION_METHOD;

/**
 * Swift's replication verb is REPLICATE, but Node's HTTP parser accepts only registered
 * methods, so Stratus replicas ask each other with REPORT (WebDAV's "report on a resource").
 */
export const REPLICATION_METHOD = 'REPORT';

export interface BackendApp {
  /** `object-server`, `container-server` or `account-server`: logs and the Server header. */
  name: string;
  /** How many path parts (device and partition included) requests may have. */
  minParts: 3 | 4 | 5;
  maxParts: 3 | 4 | 5;
  /** Partitions in this app's ring, to validate the partition part. */
  partitionCount(): number;
  handlers: Partial<Record<BackendMethod, Handler>>;
  /** Handles REPLICATE, whose path names a partition rather than an account. */
  replicate?: ReplicateHandler;
}
