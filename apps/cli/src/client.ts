import { randomBytes } from 'crypto';
import { createReadStream, createWriteStream } from 'fs';
import { rename, rm, stat } from 'fs/promises';
import * as path from 'path';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import { ApiProblemError, CliError, EXIT, Problem, retryAfterSeconds } from './errors';
import { retryWhileUnreachable, RetryOptions } from './retry';
import { formatBytes } from './terminal';

/** A page of a list endpoint (`GET /jobs`, `GET /export-schedules`, …). */
export interface Page<T> {
  items: T[];
  totalRecords: number;
}

/**
 * The public REST API, nothing else: the CLI is a client like any other (and so proves the API).
 * Every failure leaves as a CliError with its exit code: a problem document from the API, or
 * "unreachable" when no answer came.
 */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | null,
  ) {}

  async request(method: string, apiPath: string, init: { body?: unknown; headers?: Record<string, string>; stream?: Readable; signal?: AbortSignal } = {}): Promise<Response> {
    if (!this.token) throw new CliError('No token: set PORTER_TOKEN, pass --token, or run `porter login`', EXIT.unreachable);
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json', authorization: `Bearer ${this.token}`, ...init.headers };
    let body: RequestInit['body'];
    if (init.stream) body = Readable.toWeb(init.stream) as unknown as RequestInit['body'];
    else if (init.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.body);
    }
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${apiPath}`, { method, headers, body, signal: init.signal, ...(init.stream ? { duplex: 'half' } : {}) } as RequestInit);
    } catch (error) {
      if (init.signal?.aborted) throw error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`The API at ${this.baseUrl} could not be reached (${cause?.code ?? cause?.message ?? (error as Error).message})`, EXIT.unreachable, {
        title: 'API unreachable',
        status: 0,
        detail: `${this.baseUrl}: ${cause?.code ?? (error as Error).message}`,
      });
    }
    if (!res.ok) throw new ApiProblemError(await problemOf(res));
    return res;
  }

  async json<T>(method: string, apiPath: string, body?: unknown): Promise<T> {
    const res = await this.request(method, apiPath, { body });
    if (res.status === 204) return undefined as T;
    return this.readJson<T>(res, method, apiPath);
  }

  /**
   * A success's JSON body. Anything else (a proxy's or captive portal's page, another service at
   * PORTER_URL) means this is not the Porter API: exit 3, as when nothing answers, in one line.
   */
  private async readJson<T>(res: Response, method: string, apiPath: string): Promise<T> {
    const text = await res.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      const type = res.headers.get('content-type') ?? 'no content type';
      throw new CliError(
        `${method} ${this.baseUrl}${apiPath} answered ${res.status} with something that is not JSON (${type}: ${JSON.stringify(text.slice(0, 60))}); is ${this.baseUrl} the Porter API?`,
        EXIT.unreachable,
        { title: 'Not the Porter API', status: res.status },
      );
    }
  }

  get<T>(apiPath: string): Promise<T> {
    return this.json<T>('GET', apiPath);
  }

  /**
   * Streams a file to `target` (or, when `target` is a directory, to the server's file name
   * inside it) through a temporary `.part` file renamed at the end (a cut download leaves nothing
   * under the name). `onProgress` sees the bytes received, of the answer's Content-Length when it
   * gave one. With `retry`, an API that cannot be reached before the first byte arrived (it
   * restarted as the job ended) is tried again with `retryWhileUnreachable`; once bytes came, a cut
   * is final (nothing resumes a download midway).
   */
  async download(
    apiPath: string,
    target: string,
    targetIsDirectory = false,
    onProgress?: (received: number, total: number | null) => void,
    retry?: RetryOptions,
  ): Promise<{ file: string; bytes: number }> {
    const attempt = () => this.downloadOnce(apiPath, target, targetIsDirectory, onProgress);
    return retry ? retryWhileUnreachable(attempt, retry) : attempt();
  }

  private async downloadOnce(
    apiPath: string,
    target: string,
    targetIsDirectory: boolean,
    onProgress?: (received: number, total: number | null) => void,
  ): Promise<{ file: string; bytes: number }> {
    const res = await this.request('GET', apiPath, { headers: { accept: '*/*' } });
    const file = targetIsDirectory ? path.join(target, safeName(fileNameOf(res) ?? 'download')) : target;
    const temp = `${file}.${randomBytes(4).toString('hex')}.part`;
    const length = Number(res.headers.get('content-length'));
    let received = 0;
    // A body that arrives longer than its Content-Length (decompressed on the way): total unknown.
    const total = () => (Number.isFinite(length) && length > 0 && received <= length ? length : null);
    async function* counted(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
      onProgress?.(0, total());
      for await (const chunk of source) {
        received += chunk.length;
        onProgress?.(received, total());
        yield chunk;
      }
    }
    try {
      await pipeline(Readable.fromWeb(res.body as never), counted, createWriteStream(temp));
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      const written = fileSystemError(error, file);
      if (written !== error) throw written;
      // The answer stopped before its end (the API restarted, the connection dropped): nothing kept.
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (error as Error).message;
      const size = total();
      throw new CliError(
        `The download of ${file} was cut off after ${formatBytes(received)}${size ? ` of ${formatBytes(size)}` : ''} (${why}); nothing was saved: run the command again`,
        EXIT.unreachable,
        // Cut before anything arrived: as good as no answer (retried like one, when retrying).
        received === 0 ? { title: 'API unreachable', status: 0, detail: `${this.baseUrl}: ${why}` } : undefined,
      );
    }
    return { file, bytes: (await stat(file)).size };
  }

  /** multipart/form-data upload of one file, streamed from disk; `onProgress` sees bytes handed to the socket. */
  async upload<T>(apiPath: string, file: string, onProgress: (sent: number, total: number) => void): Promise<T> {
    const size = (await stat(file)).size;
    const boundary = `porter-${randomBytes(12).toString('hex')}`;
    const name = path.basename(file).replace(/["\r\n]/g, '_');
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    async function* body() {
      yield head;
      let sent = 0;
      for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) {
        yield chunk as Buffer;
        sent += (chunk as Buffer).length;
        onProgress(sent, size);
      }
      yield tail;
    }
    const res = await this.request('POST', apiPath, {
      stream: Readable.from(body()),
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    return this.readJson<T>(res, 'POST', apiPath);
  }
}

async function problemOf(res: Response): Promise<Problem> {
  const text = await res.text().catch(() => '');
  const retryAfter = retryAfterSeconds(res.headers.get('retry-after'));
  const extra = retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {};
  try {
    const body = JSON.parse(text);
    if (body && typeof body.title === 'string') return { ...body, status: body.status ?? res.status, ...extra };
  } catch {
    // not a problem document: described from the status
  }
  return { title: res.statusText || `HTTP ${res.status}`, status: res.status, detail: text.slice(0, 300) || undefined, ...extra };
}

const FILE_CALLS = ['open', 'write', 'writev', 'close', 'fsync', 'rename', 'stat', 'unlink'];

/**
 * A failure to write `file` as one line (`Could not write x.csv: no space left on device
 * (ENOSPC)`), exit 1; anything else (the connection cut mid-download) as it was.
 */
export function fileSystemError(error: unknown, file: string): unknown {
  const { code, message, syscall } = error as NodeJS.ErrnoException;
  if (typeof code !== 'string' || !FILE_CALLS.includes(syscall ?? '')) return error;
  // "ENOSPC: no space left on device, write": the description, without the code and the call.
  const reason = /^E[A-Z]+: ([^,]+)/.exec(message ?? '')?.[1] ?? message;
  return new CliError(`Could not write ${file}: ${reason} (${code})`, EXIT.failed);
}

function fileNameOf(res: Response): string | null {
  const disposition = res.headers.get('content-disposition') ?? '';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (star) return decodeURIComponent(star[1]);
  const plain = /filename="([^"]+)"/i.exec(disposition);
  return plain ? plain[1] : null;
}

/** A server-given name never leaves the target directory. */
function safeName(name: string): string {
  const base = path.basename(name.replace(/\\/g, '/'));
  return base && base !== '.' && base !== '..' ? base : 'download';
}
