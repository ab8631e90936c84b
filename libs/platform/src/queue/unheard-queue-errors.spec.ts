import { EventEmitter } from 'events';
import type { QueueBase } from 'bullmq';
import { UNHEARD_QUEUE_ERROR_INTERVAL_MS, UnheardQueueErrors } from './unheard-queue-errors';

class FakeQueue extends EventEmitter {
  constructor(readonly name: string) {
    super();
  }
}
const queue = (name: string) => new FakeQueue(name) as unknown as QueueBase & FakeQueue;
const refused = new Error('connect ECONNREFUSED 127.0.0.1:6399');

describe('UnheardQueueErrors', () => {
  it('reports errors of a queue no one else listens to, at most once per interval across queues', () => {
    let now = 1_000;
    const warned: string[] = [];
    const errors = new UnheardQueueErrors((m) => warned.push(m), () => now);
    const a = queue('porter-job-maintenance');
    const b = queue('porter-jobs');
    errors.watch(a);
    errors.watch(b);
    errors.watch(a); // watching twice adds nothing
    expect(a.listenerCount('error')).toBe(1);

    for (let i = 0; i < 10; i++) {
      a.emit('error', refused);
      b.emit('error', refused);
      now += 500;
    }
    expect(warned).toEqual(['FakeQueue porter-job-maintenance: connect ECONNREFUSED 127.0.0.1:6399']);
    now += UNHEARD_QUEUE_ERROR_INTERVAL_MS;
    b.emit('error', refused);
    expect(warned).toHaveLength(2);
    expect(warned[1]).toContain('porter-jobs');
  });

  it('stays quiet for a queue whose owner handles its errors, attached before or after', () => {
    const warned: string[] = [];
    const errors = new UnheardQueueErrors((m) => warned.push(m));
    const before = queue('before');
    before.on('error', () => undefined);
    errors.watch(before);
    const after = queue('after');
    errors.watch(after);
    after.on('error', () => undefined);
    before.emit('error', refused);
    after.emit('error', refused);
    expect(warned).toEqual([]);
  });
});
