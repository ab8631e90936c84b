import { createHash, randomUUID } from 'crypto';
import { createReadStream, createWriteStream, fdatasync, promises as fs } from 'fs';
import * as path from 'path';
import { PassThrough, Readable, Transform } from 'stream';
import { pipeline } from 'stream/promises';
import { NotFoundError } from '@porter/shared-kernel';
import { assertValidKey, FileStorage, ObjectStat, putThroughWriter, StorageWriter, StoredObject } from './file-storage.port';

/** Temp files younger than this may belong to a live writer in another process sharing the root. */
export const STRAY_TEMP_FILE_AGE_MS = 24 * 3600 * 1000;

/** Bytes written between two background write-backs of a file being written (see openWriter). */
export const WRITEBACK_BYTES = 32 << 20;

/**
 * Local-disk storage. Writes go to `<root>/.tmp/<uuid>`, are fsynced, then renamed under the
 * final key, and the key's directory is fsynced so the rename itself survives a power cut:
 * rename is atomic on one filesystem, so a crash leaves a stray temp file and never a half file
 * under a real key. Stray temp files older than a day are removed at start, and workers sweep
 * those untouched for STORAGE_TMP_MAX_AGE_MS periodically (TempFileSweeper): a live writer
 * touches its file as bytes arrive, so only dead writers' files get that old.
 */
export class LocalFileStorage implements FileStorage {
  private readonly root: string;
  private readonly tmp: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.tmp = path.join(this.root, '.tmp');
  }

  async init(): Promise<void> {
    await fs.mkdir(this.tmp, { recursive: true });
    await this.sweepStaleTemporary(new Date(Date.now() - STRAY_TEMP_FILE_AGE_MS));
  }

  /** A temp file is written to as its bytes come: one not modified since `olderThan` has no live writer. */
  async sweepStaleTemporary(olderThan: Date): Promise<number> {
    let removed = 0;
    for (const name of await fs.readdir(this.tmp).catch(() => [] as string[])) {
      const full = path.join(this.tmp, name);
      const stat = await fs.stat(full).catch(() => null);
      if (stat && stat.mtimeMs < olderThan.getTime()) {
        // Several workers may sweep one directory at once: only the one whose unlink succeeds counts
        // it (unlink, not rm: concurrent fs.rm calls on one file all resolve).
        const gone = await fs.unlink(full).then(
          () => true,
          (error: NodeJS.ErrnoException) => {
            if (error.code === 'ENOENT') return false;
            throw error;
          },
        );
        if (gone) removed++;
      }
    }
    return removed;
  }

  private pathOf(key: string): string {
    assertValidKey(key);
    const full = path.join(this.root, key);
    if (!full.startsWith(this.root + path.sep)) throw new Error(`invalid storage key "${key}"`);
    return full;
  }

  openWriter(key: string): StorageWriter {
    const finalPath = this.pathOf(key);
    const tmpPath = path.join(this.tmp, randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    // Written-back as it goes: every WRITEBACK_BYTES a datasync of what is written so far runs in
    // the background (one at a time), so the fsync before the rename has little left to flush
    // instead of the whole file. Durability is the final fsync's, as before; these only start
    // the disk's work earlier, while the producer is still busy.
    let nextWriteback = WRITEBACK_BYTES;
    let writeback: Promise<void> | null = null;
    const file = createWriteStream(tmpPath, { highWaterMark: 1 << 16 });
    let fd: number | null = null;
    file.once('open', (opened: number) => (fd = opened));
    file.once('close', () => (fd = null));
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        size += chunk.length;
        if (size >= nextWriteback && !writeback && fd !== null) {
          nextWriteback = size + WRITEBACK_BYTES;
          const open = fd;
          writeback = new Promise<void>((resolve) => fdatasync(open, () => resolve())).finally(() => {
            writeback = null;
          });
        }
        cb(null, chunk);
      },
    });
    const entry = new PassThrough({ highWaterMark: 1 << 16 });
    const written = pipeline(entry, counter, file);
    written.catch(() => undefined); // observed by commit/abort
    // A disk error (ENOSPC, EIO) destroys `entry` with it: the writer sees it on its next write
    // (`entry.errored`) and in commit, and an 'error' nobody else listens to never reaches the
    // process (ADR 091).
    entry.on('error', () => undefined);
    let settled = false;

    return {
      stream: entry,
      commit: async () => {
        if (settled) throw new Error('storage writer already settled');
        settled = true;
        if (!entry.writableEnded) entry.end();
        try {
          await written;
          await writeback;
          const handle = await fs.open(tmpPath, 'r');
          try {
            await handle.sync();
          } finally {
            await handle.close();
          }
          await fs.mkdir(path.dirname(finalPath), { recursive: true });
          await fs.rename(tmpPath, finalPath);
          await syncDirectory(path.dirname(finalPath));
        } catch (error) {
          await fs.rm(tmpPath, { force: true });
          throw error;
        }
        return { key, sizeBytes: size, sha256: hash.digest('hex') };
      },
      abort: async () => {
        if (settled) return;
        settled = true;
        entry.destroy();
        await written.catch(() => undefined);
        await writeback;
        await fs.rm(tmpPath, { force: true });
      },
    };
  }

  async put(key: string, source: Readable): Promise<StoredObject> {
    return putThroughWriter(this.openWriter(key), source);
  }

  async get(key: string, range?: { start: number; end?: number }): Promise<Readable> {
    const full = this.pathOf(key);
    try {
      await fs.access(full);
    } catch {
      throw new NotFoundError('File', key);
    }
    return createReadStream(full, range ? { start: range.start, end: range.end } : {});
  }

  async stat(key: string): Promise<ObjectStat | null> {
    try {
      const s = await fs.stat(this.pathOf(key));
      return s.isFile() ? { key, sizeBytes: s.size, modifiedAt: s.mtime } : null;
    } catch {
      return null;
    }
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.pathOf(key), { force: true });
  }

  async *list(prefix: string): AsyncIterable<ObjectStat> {
    const base = prefix.replace(/\/+$/, '');
    const dir = base ? this.pathOf(base) : this.root;
    yield* this.walk(dir);
  }

  private async *walk(dir: string): AsyncIterable<ObjectStat> {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (full === this.tmp) continue;
      if (entry.isDirectory()) yield* this.walk(full);
      else if (entry.isFile()) {
        const s = await fs.stat(full);
        yield { key: path.relative(this.root, full).split(path.sep).join('/'), sizeBytes: s.size, modifiedAt: s.mtime };
      }
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    let count = 0;
    for await (const obj of this.list(prefix)) {
      await this.delete(obj.key);
      count++;
    }
    const base = prefix.replace(/\/+$/, '');
    if (base) await fs.rm(this.pathOf(base), { recursive: true, force: true });
    return count;
  }
}

/** Makes a rename into `dir` durable. Windows cannot open a directory for fsync; elsewhere it is cheap. */
async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
