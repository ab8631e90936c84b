import type { Writable } from 'stream';

/**
 * Writes a chunk and, when the stream's buffer is full, waits for it to drain: memory stays
 * bounded by the high-water mark whatever the row count. Rejects if the stream fails or closes.
 */
export function writeWithBackpressure(stream: Writable, chunk: string | Buffer): Promise<void> {
  if (stream.destroyed || stream.writableEnded) return Promise.reject(new Error('the output stream is closed'));
  if (stream.write(chunk)) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => {
      cleanup();
      reject(new Error('the output stream closed before draining'));
    };
    stream.on('drain', onDrain);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}
