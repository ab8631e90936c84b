import { eventStreamParser } from '../../console/src/event-stream';
import { ApiClient } from './client';

// The console's parser (the HTML standard's rules, tested in test/console/event-stream.spec.ts):
// one implementation for both clients; it is plain TypeScript with no browser API.
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
  const parser = eventStreamParser((message) => {
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
