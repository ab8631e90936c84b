import { BatchItemResult, MicroBatcher } from './micro-batcher';

/** A write whose batches we can inspect and release one by one. */
function controlledWrite() {
  const batches: Array<{ inputs: number[]; release: (results?: Array<BatchItemResult<string>>) => void; fail: (error: Error) => void }> = [];
  const write = (inputs: number[]) =>
    new Promise<Array<BatchItemResult<string>>>((resolve, reject) => {
      batches.push({
        inputs,
        release: (results) => resolve(results ?? inputs.map((i) => ({ value: `v${i}` }))),
        fail: reject,
      });
    });
  return { batches, write };
}

/** Two turns of the event loop: a settled batch lets its callers resubmit for one turn before the next starts. */
const tick = () => new Promise((r) => setImmediate(() => setImmediate(r)));

describe('MicroBatcher (batch while busy)', () => {
  it('writes a call at once when idle, and the calls made meanwhile together in the next batch', async () => {
    const { batches, write } = controlledWrite();
    const batcher = new MicroBatcher(write, { maxBatch: 100, maxInFlight: 1 });
    const first = batcher.submit(1);
    expect(batches.map((b) => b.inputs)).toEqual([[1]]); // no timer: written synchronously
    const rest = [2, 3, 4].map((i) => batcher.submit(i));
    expect(batches).toHaveLength(1);
    batches[0].release();
    await expect(first).resolves.toBe('v1');
    await tick();
    expect(batches.map((b) => b.inputs)).toEqual([[1], [2, 3, 4]]);
    batches[1].release();
    await expect(Promise.all(rest)).resolves.toEqual(['v2', 'v3', 'v4']);
  });

  it('respects maxBatch and maxInFlight', async () => {
    const { batches, write } = controlledWrite();
    const batcher = new MicroBatcher(write, { maxBatch: 2, maxInFlight: 2 });
    const all = [1, 2, 3, 4, 5, 6].map((i) => batcher.submit(i));
    // 1 and 2 each find a free slot (written alone, at once); 3..6 wait for a slot
    expect(batches.map((b) => b.inputs)).toEqual([[1], [2]]);
    expect(batcher.pending).toBe(6);
    batches[0].release();
    await tick();
    expect(batches.map((b) => b.inputs)).toEqual([[1], [2], [3, 4]]);
    batches[1].release();
    await tick();
    expect(batches.map((b) => b.inputs)).toEqual([[1], [2], [3, 4], [5, 6]]);
    batches[2].release();
    batches[3].release();
    await expect(Promise.all(all)).resolves.toEqual(['v1', 'v2', 'v3', 'v4', 'v5', 'v6']);
    await batcher.idle();
    expect(batcher.pending).toBe(0);
  });

  it('lets the callers of a settled batch submit again before the next batch starts (one batch, not 1 + n-1)', async () => {
    const { batches, write } = controlledWrite();
    const batcher = new MicroBatcher(write, { maxBatch: 100, maxInFlight: 2 });
    // Four callers that each submit again as soon as their previous item is written.
    const loops = [1, 2, 3, 4].map(async (i) => {
      await batcher.submit(i);
      await batcher.submit(i + 10);
    });
    expect(batches.map((b) => b.inputs)).toEqual([[1], [2]]);
    batches[0].release();
    batches[1].release();
    await tick();
    expect(batches.map((b) => b.inputs)).toEqual([[1], [2], [3, 4, 11, 12]]);
    batches[2].release();
    await tick();
    expect(batches.map((b) => b.inputs)).toEqual([[1], [2], [3, 4, 11, 12], [13, 14]]);
    batches[3].release();
    await Promise.all(loops);
  });

  it('rejects only the caller whose item failed; a batch that failed as a whole rejects all its callers', async () => {
    const { batches, write } = controlledWrite();
    const batcher = new MicroBatcher(write, { maxBatch: 10, maxInFlight: 1 });
    const a = batcher.submit(1);
    const [b, c] = [batcher.submit(2), batcher.submit(3)];
    batches[0].fail(new Error('database down'));
    await expect(a).rejects.toThrow('database down');
    await tick();
    batches[1].release([{ error: new Error('bad payload') }, { value: 'ok' }]);
    await expect(b).rejects.toThrow('bad payload');
    await expect(c).resolves.toBe('ok');
  });

  it('idle() waits for queued and in-flight items (shutdown)', async () => {
    const { batches, write } = controlledWrite();
    const batcher = new MicroBatcher(write, { maxBatch: 10, maxInFlight: 1 });
    void batcher.submit(1);
    void batcher.submit(2);
    let idle = false;
    const waiting = batcher.idle().then(() => (idle = true));
    batches[0].release();
    await tick();
    expect(idle).toBe(false);
    batches[1].release();
    await waiting;
    expect(idle).toBe(true);
  });

  it('keeps writing later calls when delivering a batch throws (a write that returned no array of results)', async () => {
    const written: number[][] = [];
    // The first write resolves to no array at all: delivering reads results[0] and throws.
    const write = async (inputs: number[]) => {
      written.push(inputs);
      return (written.length === 1 ? null : inputs.map((i) => ({ value: `v${i}` }))) as Array<BatchItemResult<string>>;
    };
    const batcher = new MicroBatcher(write, { maxBatch: 10, maxInFlight: 1 });
    await expect(batcher.submit(1)).rejects.toThrow(TypeError);
    await tick();
    await expect(batcher.submit(2)).resolves.toBe('v2');
    expect(written).toEqual([[1], [2]]);
    await expect(batcher.idle()).resolves.toBeUndefined();
  });
});
