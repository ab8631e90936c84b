import type { ServerResponse } from 'http';

/** One Server-Sent Events message: `id:`, `event:` and `data:` lines, then a blank line. */
export function sseMessage(message: { id: string; event: string; data: unknown }): string {
  // JSON.stringify never emits a raw newline, and an id or event name with one would split the
  // message: refused rather than sent broken.
  if (/[\r\n]/.test(message.id) || /[\r\n]/.test(message.event)) throw new Error('an SSE id or event name cannot contain a line break');
  return `id: ${message.id}\nevent: ${message.event}\ndata: ${JSON.stringify(message.data)}\n\n`;
}

/** A comment line (ignored by clients): keeps an idle stream open through proxies. */
export function sseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;
}

/** The reconnection delay a client's EventSource should wait after a broken connection. */
export function sseRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.floor(ms))}\n\n`;
}

/** Starts a `text/event-stream` answer that nothing between the API and the client buffers or caches. */
export function startEventStream(res: ServerResponse): void {
  res.statusCode = 200;
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  // The connection closes with the stream: a client reconnects with a new request anyway, and a
  // connection left open after a stream ended at shutdown would hold up the server's close.
  res.shouldKeepAlive = false;
  // nginx buffers proxied answers unless told not to.
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  res.socket?.setNoDelay(true);
}
