import type { Readable } from 'stream';
import { inSpan } from '../tracing/trace-context';
import type { FileStorage, ObjectStat, StorageWriter, StoredObject } from './file-storage.port';

/**
 * Spans for the storage calls that matter (ADR 049): reads, writes and their commit, deletes.
 * Used only when the process traces; `list` and the sweeper stay untraced.
 */
export class TracedFileStorage implements FileStorage {
  constructor(
    private readonly inner: FileStorage,
    private readonly driver: string,
  ) {}

  openWriter(key: string): StorageWriter {
    const writer = this.inner.openWriter(key);
    return {
      stream: writer.stream,
      commit: () => this.span('storage.commit', key, () => writer.commit()),
      abort: () => this.span('storage.abort', key, () => writer.abort()),
    };
  }

  put(key: string, source: Readable): Promise<StoredObject> {
    return this.span('storage.put', key, () => this.inner.put(key, source));
  }

  get(key: string, range?: { start: number; end?: number }): Promise<Readable> {
    return this.span('storage.get', key, () => this.inner.get(key, range));
  }

  stat(key: string): Promise<ObjectStat | null> {
    return this.span('storage.stat', key, () => this.inner.stat(key));
  }

  delete(key: string): Promise<void> {
    return this.span('storage.delete', key, () => this.inner.delete(key));
  }

  list(prefix: string): AsyncIterable<ObjectStat> {
    return this.inner.list(prefix);
  }

  deletePrefix(prefix: string): Promise<number> {
    return this.span('storage.delete_prefix', prefix, () => this.inner.deletePrefix(prefix));
  }

  sweepStaleTemporary(olderThan: Date): Promise<number> {
    return this.inner.sweepStaleTemporary(olderThan);
  }

  /** Readiness of the wrapped adapter, when it has one (S3: the bucket). */
  get ping(): (() => Promise<void>) | undefined {
    const inner = this.inner as FileStorage & { ping?: () => Promise<void> };
    return inner.ping ? () => inner.ping!() : undefined;
  }

  unwrap(): FileStorage {
    return this.inner;
  }

  private span<T>(name: string, key: string, work: () => Promise<T>): Promise<T> {
    return inSpan(name, { 'porter.storage.driver': this.driver, 'porter.storage.key': key }, work);
  }
}
