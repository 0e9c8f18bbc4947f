/**
 * versioned_writes: Swift's legacy object versioning.
 *
 * A container names an archive container with `X-Versions-Location` (stack mode) or
 * `X-History-Location` (history mode), kept as container system metadata. Then:
 *
 * - PUT over an existing object first copies the current version to the archive as
 *   `<3-hex length><name>/<its X-Timestamp>` (COPY arrives here as a PUT too);
 * - DELETE in history mode archives the current version, writes a zero-byte delete marker
 *   (`application/x-deleted;swift_versions_deleted=1`) named for the time of the delete, and
 *   deletes the object;
 * - DELETE in stack mode copies the newest archived version back over the object and removes
 *   it from the archive; with nothing archived it is a plain delete.
 *
 * The user must be allowed the write they asked for and to write the archive; the reads and
 * writes done on their behalf are then pre-authorized for exactly their own target, so a
 * write-only ACL is enough, as in Swift. Nothing is written when a step fails: a missing or
 * unusable archive is a 412, an unreachable one a 503, before the request itself runs.
 */
import type { Readable } from 'node:stream';
import { DEFAULT_CONSTRAINTS } from '../../common/constraints.js';
import { StratusError } from '../../common/errors.js';
import { Timestamp } from '../../common/timestamp.js';
import type { ProxyContext } from '../context.js';
import { statusOnly } from '../controllers/helpers.js';
import { replicaHeaders } from '../copy/carried-headers.js';
import { authorize } from '../identity.js';
import { parseApiPath, type ApiPath } from '../path.js';
import type { App, HeaderMap, ProxyRequest, ProxyResponse } from '../pipeline.js';
import { preauthorize } from '../preauthorized.js';
import { apiPath, makeSubrequest } from '../subrequest.js';
import {
  bodyStream,
  destroyQuietly,
  discardBody,
  isSuccess,
  lowerHeaders,
  setHeader,
} from '../subresponse.js';
import { archivedVersions } from '../versioning/archive-listing.js';
import {
  clientLocationHeader,
  DELETE_MARKER_CONTENT_TYPE,
  HISTORY_LOCATION,
  translateContainerHeaders,
  VERSIONS_LOCATION,
  versioningOf,
  versionName,
  versionPrefix,
} from '../versioning/archive-names.js';
import type { FilterFactory } from './types.js';

/** A response decided part-way through (a refusal, a failed archive step). */
class Answer extends Error {
  constructor(readonly response: ProxyResponse) {
    super(`answered ${response.status}`);
  }
}

export const versionedWrites: FilterFactory = (conf, ctx) => {
  const enabled = conf.bool('allow_versioned_writes', true);
  if (enabled)
    ctx.capabilities.versioned_writes = { allowed_flags: [VERSIONS_LOCATION, HISTORY_LOCATION] };
  return async (req, next) => {
    let path: ApiPath | undefined;
    try {
      path = parseApiPath(req.rawPath);
    } catch {
      return next(req);
    }
    if (!path || path.container === undefined) return next(req);
    if (path.object === undefined) {
      translateContainerHeaders(req.headers, req.method, enabled);
      const response = await next(req);
      const location = clientLocationHeader(lowerHeaders(response));
      if (location) setHeader(response, location[0], location[1]);
      return response;
    }
    if (!enabled || (req.method !== 'PUT' && req.method !== 'DELETE')) return next(req);
    const info = await ctx.info.container(path.account, path.container, req.txId);
    const versioning = info.status < 300 ? versioningOf(info.headers) : undefined;
    if (!versioning) return next(req);
    const versioner = new Versioner(ctx, req, next, {
      account: path.account,
      container: path.container,
      object: path.object,
      archive: versioning.archive,
      info: info.headers,
    });
    try {
      if (req.method === 'PUT') {
        await versioner.archiveCurrent();
        return await next(req);
      }
      if (versioning.mode === 'history') {
        await versioner.archiveCurrent();
        await versioner.writeDeleteMarker();
        return await next(req);
      }
      return await versioner.popPrevious();
    } catch (err) {
      if (err instanceof Answer) return err.response;
      throw err;
    }
  };
};

interface Place {
  account: string;
  container: string;
  object: string;
  archive: string;
  /** The versioned container's info (ACLs). */
  info: Record<string, string>;
}

class Versioner {
  private readonly objectPath: string;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly req: ProxyRequest,
    private readonly next: App,
    private readonly place: Place,
  ) {
    this.objectPath = apiPath(place.account, place.container, place.object);
  }

  /** Copies the current version, if any, into the archive. */
  async archiveCurrent(): Promise<void> {
    this.mayWriteObject();
    const current = await this.readVersion(this.objectPath);
    if (!current) return;
    const headers = lowerHeaders(current);
    const stamp = headers['x-timestamp'] ?? lastModifiedSeconds(headers['last-modified']);
    const name = versionName(this.place.object, stamp);
    try {
      await this.mayWriteArchive('PUT', name);
    } catch (err) {
      discardBody(current);
      throw err;
    }
    await this.store(current, apiPath(this.place.account, this.place.archive, name));
  }

  /** History mode: a zero-byte marker recording when the object was deleted. */
  async writeDeleteMarker(): Promise<void> {
    const name = versionName(this.place.object, Timestamp.now().internal);
    await this.mayWriteArchive('PUT', name);
    const marker = await this.send('PUT', apiPath(this.place.account, this.place.archive, name), {
      headers: { 'content-type': DELETE_MARKER_CONTENT_TYPE, 'content-length': '0' },
    });
    discardBody(marker);
    checkStep(marker);
  }

  /** Stack mode DELETE: the newest archived version replaces the object. */
  async popPrevious(): Promise<ProxyResponse> {
    const { account, archive, object } = this.place;
    const versions = archivedVersions(
      (query) => this.send('GET', apiPath(account, archive), { query, source: 'VW' }),
      versionPrefix(object),
    );
    let authorized = false;
    for await (const version of versions) {
      if (!authorized) {
        this.mayWriteObject();
        await this.mayWriteArchive('DELETE', version.name);
        authorized = true;
      }
      if (version.content_type === DELETE_MARKER_CONTENT_TYPE) {
        // The container was in history mode before: a marker on top means the object was
        // deleted then. If it exists again, this DELETE simply deletes it.
        const head = await this.send('HEAD', this.objectPath, { headers: { 'x-newest': 'true' } });
        discardBody(head);
        if (head.status !== 404) {
          checkStep(head);
          return this.next(this.req);
        }
        for await (const older of versions) {
          if (older.content_type === DELETE_MARKER_CONTENT_TYPE) break;
          if (!(await this.restore(older.name))) continue;
          const removed = await this.send('DELETE', this.archivePath(older.name));
          discardBody(removed);
          if (removed.status !== 404) checkStep(removed);
          break;
        }
        return this.send('DELETE', this.archivePath(version.name));
      }
      if (!(await this.restore(version.name))) continue;
      // The DELETE the client asked for becomes the removal of the restored archive copy.
      return this.send('DELETE', this.archivePath(version.name));
    }
    return this.next(this.req);
  }

  private archivePath(name: string): string {
    return apiPath(this.place.account, this.place.archive, name);
  }

  /** Copies an archived version over the object; false when it vanished meanwhile. */
  private async restore(name: string): Promise<boolean> {
    const version = await this.readVersion(this.archivePath(name));
    if (!version) return false;
    await this.store(version, this.objectPath);
    return true;
  }

  /** A version's raw bytes and headers (a symlink as a link), or undefined when missing. */
  private async readVersion(path: string): Promise<ProxyResponse | undefined> {
    const response = await this.send('GET', path, {
      query: 'symlink=get',
      headers: { 'x-newest': 'true' },
    });
    if (response.status === 404) {
      discardBody(response);
      return undefined;
    }
    if (!isSuccess(response.status)) {
      discardBody(response);
      checkStep(response);
    }
    const length = lowerHeaders(response)['content-length'];
    if (length === undefined || Number(length) > DEFAULT_CONSTRAINTS.maxFileSize) {
      discardBody(response);
      throw new StratusError('TOO_LARGE', 'Your request is too large.');
    }
    return response;
  }

  /** Streams a version read by readVersion to `path`, with its metadata. */
  private async store(version: ProxyResponse, path: string): Promise<void> {
    const source = lowerHeaders(version);
    const headers = { ...replicaHeaders(source), 'content-length': source['content-length']! };
    const body = bodyStream(version);
    let put: ProxyResponse;
    try {
      put = await this.send('PUT', path, { headers, body });
    } finally {
      destroyQuietly(body);
    }
    discardBody(put);
    checkStep(put);
  }

  /** The user may do what they asked to the versioned object (checked before any side effect). */
  private mayWriteObject(): void {
    const { account, container, object, info } = this.place;
    const denied = authorize(this.req, {
      method: this.req.method,
      account,
      container,
      object,
      readAcl: info['x-container-read'],
      writeAcl: info['x-container-write'],
    });
    if (denied) throw new Answer(denied);
  }

  /** The archive exists and the user may write it. */
  private async mayWriteArchive(method: 'PUT' | 'DELETE', name: string): Promise<void> {
    const { account, archive } = this.place;
    const info = await this.ctx.info.container(account, archive, this.req.txId);
    if (info.status === 404) throw new Answer(statusOnly(412));
    if (info.status >= 300) throw new Answer(statusOnly(503));
    const denied = authorize(this.req, {
      method,
      account,
      container: archive,
      object: name,
      readAcl: info.headers['x-container-read'],
      writeAcl: info.headers['x-container-write'],
    });
    if (denied) throw new Answer(denied);
  }

  /** A pre-authorized subrequest down the rest of the pipeline. */
  private send(
    method: string,
    path: string,
    options: {
      query?: URLSearchParams | string;
      headers?: HeaderMap;
      body?: Readable;
      source?: string;
    } = {},
  ): Promise<ProxyResponse> {
    return this.next(
      preauthorize(
        makeSubrequest(this.req, {
          method,
          path,
          query: options.query,
          headers: options.headers,
          body: options.body,
          source: options.source ?? 'VW',
        }),
      ),
    );
  }
}

/** A bookkeeping step failed: the client's fault (412, e.g. no archive) or the cluster's (503). */
function checkStep(response: ProxyResponse): void {
  if (isSuccess(response.status)) return;
  discardBody(response);
  throw new Answer(statusOnly(response.status < 500 ? 412 : 503));
}

function lastModifiedSeconds(httpDate: string | undefined): string {
  const ms = httpDate ? Date.parse(httpDate) : NaN;
  return String(Number.isNaN(ms) ? Date.now() / 1000 : ms / 1000);
}
