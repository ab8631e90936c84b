import { OutboxRow, toWakeupMessages, WAKEUP_SPAN } from './outbox-relay.service';

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
