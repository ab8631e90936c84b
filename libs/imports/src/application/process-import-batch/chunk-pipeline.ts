import type { PreparedRow } from '../../domain/prepared-row';
import type { ChunkConnection } from '../ports/chunk-connection.port';
import { ChunkOutcome, ChunkTarget, PreviousChunkNotCommittedError, writeChunk } from './chunk-transaction';
import type { RunTimings } from './run-timings';

interface InFlight {
  outcome: Promise<ChunkOutcome>;
  /** Settles once the chunk's host writes are finished. */
  hostDone: Promise<void>;
  /** The chunk's last row: the checkpoint once it commits. */
  last: number;
}

/**
 * The characters of cells a chunk holds at most (past its first row): with the chunk being filled
 * and two in flight, each held again as COPY text and as JSON of the failed rows' cells, the
 * worker's heap (192 MB in production) keeps well clear of its limit (ADR 105).
 */
export const CHUNK_MAX_CHARS = 4 * 1024 * 1024;

/** About how much text a row's cells hold (strings by length, other values by their JSON). */
export function cellsLength(cells: readonly unknown[]): number {
  let n = 0;
  for (const cell of cells) {
    if (typeof cell === 'string') n += cell.length;
    else if (cell === null || cell === undefined) continue;
    else n += typeof cell === 'object' ? jsonLength(cell) : 8;
  }
  return n;
}

function jsonLength(value: object): number {
  try {
    return JSON.stringify(value)?.length ?? 8;
  } catch {
    return 8; // a value JSON cannot hold (a BigInt inside): its row fails validation anyway
  }
}

/**
 * The file's rows as chunk transactions, one per connection in flight (ADR 036): with two
 * connections, while chunk N copies its results and commits, chunk N+1 already writes its host
 * rows (see writeChunk); with one, a chunk at a time. The reader pushes rows and flushes each full
 * chunk, which waits only when every connection has a chunk in flight; commits, and so the
 * checkpoint, follow the file's order.
 */
export class ChunkPipeline {
  /** The checkpoint: the last row of the last committed chunk. */
  lastRow: number;
  /** The failing row, once a chunk aborted (onError "abort"): nothing from that chunk on is written. */
  aborted: ChunkOutcome['abortedAt'] = null;
  private chunk: PreparedRow[] = [];
  private chunkChars = 0;
  private readonly inflight: InFlight[] = [];
  private sent = 0;

  constructor(
    private readonly connections: ChunkConnection[],
    private readonly target: ChunkTarget,
    private readonly chunkSize: number,
    lastRow: number,
    /** Runs before each chunk is sent (a stopped run throws there, between chunks). */
    private readonly beforeChunk: () => void,
    private readonly timings: RunTimings,
  ) {
    this.lastRow = lastRow;
  }

  /**
   * Adds a row to the chunk being filled; true when the chunk is full (flush it): at the type's
   * chunk size, or once its cells hold CHUNK_MAX_CHARS characters (ADR 105). A row may hold up to
   * the record limit (1 MiB), so 5,000 of them by count alone would be gigabytes, several times
   * over with the chunks in flight; usual rows (a few hundred characters) never reach the budget.
   */
  push(row: PreparedRow): boolean {
    this.chunk.push(row);
    this.chunkChars += cellsLength(row.cells);
    return this.chunk.length >= this.chunkSize || this.chunkChars >= CHUNK_MAX_CHARS;
  }

  /** Sends the chunk being filled, once a connection is free (the oldest chunk in flight has ended). */
  async flush(): Promise<void> {
    if (this.inflight.length >= this.connections.length) await this.settleOldest();
    if (this.aborted || !this.chunk.length) return;
    this.beforeChunk();
    const rows = this.chunk;
    this.chunk = [];
    this.chunkChars = 0;
    const previous = this.inflight[this.inflight.length - 1];
    let hostDone!: () => void;
    const hostDonePromise = new Promise<void>((resolve) => (hostDone = resolve));
    const previousCommitted = previous
      ? previous.outcome.then((o) => {
          if (o.abortedAt) throw new PreviousChunkNotCommittedError();
        })
      : Promise.resolve();
    previousCommitted.catch(() => undefined);
    const connection = this.connections[this.sent++ % this.connections.length];
    const outcome = writeChunk(connection, this.target, rows, previous ? previous.last : this.lastRow, {
      previousHostDone: previous ? previous.hostDone : Promise.resolve(),
      previousCommitted,
      hostDone,
    });
    outcome.catch(() => undefined);
    this.inflight.push({ outcome, hostDone: hostDonePromise, last: rows[rows.length - 1].rowNumber });
  }

  /** After the last row: the last chunk is sent and every chunk in flight has committed (unless one aborted). */
  async finish(): Promise<void> {
    if (!this.aborted) await this.flush();
    while (this.inflight.length && !this.aborted) await this.settleOldest();
  }

  /**
   * Waits for the chunks still in flight (after an error or an abort: they roll back), so that
   * they finish before their connections go back to the pool, then gives the connections back.
   */
  async close(): Promise<void> {
    await Promise.allSettled(this.inflight.map((f) => f.outcome));
    for (const connection of this.connections) connection.release();
  }

  /** Waits for the oldest chunk in flight: its commit moves the checkpoint, in file order. */
  private async settleOldest(): Promise<void> {
    const oldest = this.inflight[0];
    const waitStarted = performance.now();
    let outcome: ChunkOutcome;
    try {
      outcome = await oldest.outcome;
    } finally {
      this.timings.waitMs += performance.now() - waitStarted;
    }
    this.inflight.shift();
    if (outcome.abortedAt) {
      this.aborted = outcome.abortedAt;
      return;
    }
    this.lastRow = oldest.last;
  }
}
