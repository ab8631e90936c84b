import { ApiClient } from './client';

/** One server-sent event. */
export interface StreamMessage {
  id: string | null;
  event: string;
  data: string;
}

/**
 * Parses a `text/event-stream` body as it arrives (`field: value` lines, a blank line dispatches,
 * `:` starts a comment, a message without `data` is dropped; the last id persists). The same
 * rules as the console's parser (apps/console/src/event-stream.ts); each app builds on its own.
 */
export function streamParser(onMessage: (message: StreamMessage) => void): { push(text: string): void } {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let lastId: string | null = null;
  const line = (text: string) => {
    if (text === '') {
      if (data.length) onMessage({ id: lastId, event: event || 'message', data: data.join('\n') });
      event = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\0')) lastId = value;
  };
  return {
    push(text: string) {
      buffer += text;
      let end: number;
      while ((end = buffer.search(/\r\n|\r|\n/)) >= 0) {
        // A lone \r at the very end may be the first half of \r\n: wait for the next chunk.
        if (buffer[end] === '\r' && end === buffer.length - 1) break;
        const next = end + (buffer.startsWith('\r\n', end) ? 2 : 1);
        line(buffer.slice(0, end));
        buffer = buffer.slice(next);
      }
    },
  };
}

export interface StreamUpdate {
  status?: string;
  progress?: { processed: number; total: number | null; percent: number | null };
}

/**
 * How a read of the stream ended: `ended` after the server closed it (normally once the job's
 * final status is sent), `broken` when the connection was cut, `unavailable` when the server
 * answered with something other than an event stream (a server without the endpoint).
 */
export type StreamOutcome = 'ended' | 'broken' | 'unavailable';

/**
 * Reads GET /api/v1/jobs/{id}/stream until the server closes it or `signal` aborts it, calling
 * `onUpdate` with each `status` and `progress` event. `lastEventId.value` is sent as
 * Last-Event-ID and kept current, so the next read resumes where this one stopped. A refusal
 * (401, 404...) throws like any call.
 */
export async function readJobStream(
  client: ApiClient,
  id: string,
  lastEventId: { value: string | null },
  onUpdate: (update: StreamUpdate) => void,
  signal?: AbortSignal,
): Promise<StreamOutcome> {
  const headers: Record<string, string> = { accept: 'text/event-stream, application/problem+json' };
  if (lastEventId.value) headers['last-event-id'] = lastEventId.value;
  const res = await client.request('GET', `/api/v1/jobs/${encodeURIComponent(id)}/stream`, { headers, signal });
  if (res.status === 204) return 'ended';
  if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream') || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    return 'unavailable';
  }
  const parser = streamParser((message) => {
    let data: any;
    try {
      data = JSON.parse(message.data);
    } catch {
      return;
    }
    if (message.id) lastEventId.value = message.id;
    if (message.event === 'status' && typeof data?.status === 'string') onUpdate({ status: data.status });
    else if (message.event === 'progress' && typeof data?.processed === 'number') {
      onUpdate({ progress: { processed: data.processed, total: data.total ?? null, percent: data.percent ?? null } });
    }
  });
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return 'ended';
      parser.push(decoder.decode(value, { stream: true }));
    }
  } catch {
    return 'broken';
  } finally {
    reader.releaseLock();
  }
}
