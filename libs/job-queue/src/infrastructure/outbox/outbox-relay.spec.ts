import type { Queue } from 'bullmq';
import type { Pool } from 'pg';
import type { PorterConfig } from '@porter/platform';
import { OutboxRelay } from './outbox-relay.service';
import { CommittedOutboxRow, OutboxRow, toWakeupMessages, WAKEUP_SPAN } from './wakeup-messages';

function row(n: number, opts: Partial<OutboxRow> = {}): OutboxRow {
  return { id: String(n), job_id: `job-${n}`, message_id: `job-${n}.1`, delay_ms: 0, coalesce: true, type: 'porter-test.noop', ...opts };
}

describe('toWakeupMessages (relay, ADR 018)', () => {
  it('merges immediate wake-ups: one message per WAKEUP_SPAN rows, named after the first row of each span, oldest first', () => {
    const rows = Array.from({ length: 40 }, (_, i) => row(i + 1)).reverse();
    const messages = toWakeupMessages(rows);
    expect(WAKEUP_SPAN).toBe(16);
    expect(messages.map((m) => m.opts.jobId)).toEqual(['job-1.1', 'job-17.1', 'job-33.1']);
    expect(messages.every((m) => m.opts.delay === 0 && m.name === 'porter-test.noop')).toBe(true);
    expect(messages[1].data).toEqual({ jobId: 'job-17' });
  });

  it('gives a lone job its own message (an idle queue wakes at once)', () => {
    expect(toWakeupMessages([row(7)]).map((m) => m.opts.jobId)).toEqual(['job-7.1']);
  });

  it('keeps one message per delayed wake-up (schedules, backoffs), with the delay the database computed', () => {
    const rows = [row(1), row(2, { delay_ms: 5000 }), row(3), row(4, { delay_ms: 1 })];
    const messages = toWakeupMessages(rows);
    expect(messages.map((m) => [m.opts.jobId, m.opts.delay])).toEqual([
      ['job-1.1', 0],
      ['job-2.1', 5000],
      ['job-4.1', 1],
    ]);
  });

  it('never merges rows written with coalesce = false (reconciler wake-ups replace lost messages one for one)', () => {
    const rows = Array.from({ length: 20 }, (_, i) => row(i + 1, { coalesce: false }));
    expect(toWakeupMessages(rows)).toHaveLength(20);
  });
});

describe('OutboxRelay kicks (ADR 069)', () => {
  const config = { jobPollingIntervalMs: 1000, databaseUrl: 'postgres://unused' } as unknown as PorterConfig;
  const committed = (n: number): CommittedOutboxRow[] =>
    Array.from({ length: n }, (_, i) => ({ id: String(i + 1), jobId: `job-${i + 1}`, messageId: `job-${i + 1}.1`, type: 'porter-test.noop', traceContext: null }));
  const settle = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };

  function fakes(options: { addBulk?: () => Promise<unknown>; drains?: Array<() => Promise<unknown>> } = {}) {
    const calls: string[] = [];
    const queue = {
      addBulk: jest.fn(async (messages: Array<{ opts: { jobId: string } }>) => {
        calls.push(`add ${messages.map((m) => m.opts.jobId).join(',')}`);
        return options.addBulk ? options.addBulk() : [];
      }),
    };
    const drains = [...(options.drains ?? [])];
    const client = {
      query: jest.fn(async (sql: string) => {
        if (sql.startsWith('BEGIN')) {
          calls.push('drain');
          const next = drains.shift();
          return [{}, { rows: next ? await next() : [] }];
        }
        calls.push(sql);
        return { rows: [] };
      }),
      release: jest.fn(),
    };
    const pool = {
      connect: jest.fn(async () => client),
      query: jest.fn(async (statement: { text: string; values: unknown[] }) => {
        calls.push(`${statement.text.split(' WHERE')[0]} ${JSON.stringify(statement.values)}`);
        return { rows: [] };
      }),
    };
    const relay = new OutboxRelay(queue as unknown as Queue, pool as unknown as Pool, config);
    return { relay, queue, pool, calls };
  }

  it('sends the wake-ups of rows its process just committed first, and deletes those rows only once Redis took them', async () => {
    const { relay, pool, calls } = fakes();
    relay.kick(committed(2));
    await settle();
    // no drain (which would read the rows back before adding): add, then delete those rows
    expect(pool.connect).not.toHaveBeenCalled();
    expect(calls).toEqual(['add job-1.1', 'DELETE FROM job_queue.outbox [["1","2"]]']);
  });

  it('keeps the rows when Redis refuses the wake-ups (a later drain sends them)', async () => {
    const { relay, pool, calls } = fakes({ addBulk: () => Promise.reject(new Error('Redis is down')) });
    relay.kick(committed(1));
    await settle();
    expect(calls).toEqual(['add job-1.1']);
    expect(pool.query).not.toHaveBeenCalled();
  });

  /** Wake-ups of a direct submit batch: no outbox rows (ADR 099). */
  const rowless = (n: number): CommittedOutboxRow[] => committed(n).map((row) => ({ ...row, id: null }));
  const fallbackWrites = (pool: { query: jest.Mock }) =>
    pool.query.mock.calls.filter(([statement]) => statement.name === 'job-queue.relay-fallback.v1').map(([statement]) => statement.values);

  it('sends a direct submit\'s wake-ups, which have no outbox row, and writes or deletes nothing (ADR 099)', async () => {
    const { relay, pool, calls } = fakes();
    relay.kick(rowless(17));
    await settle();
    // 17 immediate wake-ups merge into two messages, in the order they were committed
    expect(calls).toEqual(['add job-1.1,job-17.1']);
    expect(pool.connect).not.toHaveBeenCalled();
    expect(pool.query).not.toHaveBeenCalled();
  });

  it('writes the outbox rows of a direct submit\'s wake-ups when Redis refuses them, in submit order, for a later drain', async () => {
    const { relay, pool } = fakes({ addBulk: () => Promise.reject(new Error('Redis is down')) });
    relay.kick([...rowless(2), { ...committed(3)[2] }]);
    await settle();
    // the third wake-up has a row already (a submit in a caller's transaction): only the two without one are written
    expect(fallbackWrites(pool)).toEqual([[['job-1', 'job-2'], ['job-1.1', 'job-2.1']]]);
  });

  it('sends wake-ups committed while it drains right after that drain, and still drains when asked to while wake-ups keep coming', async () => {
    jest.useFakeTimers();
    try {
      let release!: (rows: unknown[]) => void;
      const blocked = () => new Promise<unknown[]>((resolve) => (release = resolve));
      const { relay, calls } = fakes({ drains: [blocked] });
      relay.kick(); // the poll
      await settle();
      relay.kick(rowless(1)); // a batch commits during the drain
      relay.kick(); // and the poll (or a NOTIFY) asks for another drain
      release([]);
      await settle();
      // the drain found nothing: no spacing; the committed wake-up goes first, then the drain asked for
      expect(calls).toEqual(['drain', 'COMMIT', 'add job-1.1', 'drain', 'COMMIT']);
    } finally {
      jest.useRealTimers();
    }
  });

  it('writes the outbox rows of wake-ups it has not sent when its process shuts down, and of any committed after that', async () => {
    let release!: (rows: unknown[]) => void;
    const { relay, pool, calls } = fakes({ drains: [() => new Promise<unknown[]>((resolve) => (release = resolve))] });
    relay.kick();
    await settle();
    relay.kick(rowless(2)); // committed while the last drain runs
    const stopping = relay.onApplicationShutdown();
    release([]);
    await stopping;
    expect(fallbackWrites(pool)).toEqual([[['job-1', 'job-2'], ['job-1.1', 'job-2.1']]]);
    // a submit that commits after the relay stopped
    relay.kick([{ id: null, jobId: 'job-late', messageId: 'job-late.1', type: 'porter-test.noop', traceContext: null }]);
    await settle();
    expect(fallbackWrites(pool)).toEqual([
      [['job-1', 'job-2'], ['job-1.1', 'job-2.1']],
      [['job-late'], ['job-late.1']],
    ]);
    expect(calls.filter((c) => c.startsWith('add'))).toEqual([]);
  });

  it('sends a wake-up handed over at any moment of a running relay, up to its very end', async () => {
    jest.useFakeTimers();
    try {
      // The second kick lands k microtasks after the first, for every k up to past the loop's end
      // (a kick after the loop's last check and before it has ended must not wait for the poll).
      for (let k = 0; k < 40; k++) {
        const { relay, calls } = fakes();
        relay.kick(rowless(1));
        for (let i = 0; i < k; i++) await Promise.resolve();
        relay.kick([{ id: null, jobId: 'job-next', messageId: 'job-next.1', type: 'porter-test.noop', traceContext: null }]);
        for (let round = 0; round < 3; round++) {
          await settle();
          jest.advanceTimersByTime(20);
        }
        expect({ k, calls }).toEqual({ k, calls: ['add job-1.1', 'add job-next.1'] });
      }
    } finally {
      jest.useRealTimers();
    }
  });

  it('drains at once after a drain that found nothing (the poll), but spaces drains that follow one that moved rows', async () => {
    jest.useFakeTimers();
    try {
      let release!: (rows: unknown[]) => void;
      const blocked = () => new Promise<unknown[]>((resolve) => (release = resolve));
      const row = { id: '9', job_id: 'job-9', message_id: 'job-9.1', delay_ms: 0, coalesce: true, type: 'porter-test.noop' };

      const empty = fakes({ drains: [blocked] });
      empty.relay.kick();
      await settle();
      empty.relay.kick(); // a lone submit while the poll's drain runs
      release([]);
      await settle();
      expect(empty.calls.filter((c) => c === 'drain')).toHaveLength(2);

      const busy = fakes({ drains: [blocked] });
      busy.relay.kick();
      await settle();
      busy.relay.kick(); // a submitter that keeps submitting
      release([row]);
      await settle();
      expect(busy.calls.filter((c) => c === 'drain')).toHaveLength(1);
      jest.advanceTimersByTime(10);
      await settle();
      expect(busy.calls.filter((c) => c === 'drain')).toHaveLength(2);
    } finally {
      jest.useRealTimers();
    }
  });
});
