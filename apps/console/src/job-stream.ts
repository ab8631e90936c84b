import { openStream } from './api';
import { eventStreamParser } from './event-stream';
import { isTerminal, Progress } from './model';

export interface JobStreamHandlers {
  onStatus(status: string): void;
  onProgress(progress: Progress): void;
}

/** How a stream ended: after the job's final status, cut before it, or not a stream at all (an older server). */
export type JobStreamOutcome = 'ended' | 'broken' | 'unavailable';

/**
 * Reads `GET /api/v1/jobs/{id}/stream` with fetch (the token goes in the Authorization header,
 * never in the URL) until the server closes it or `signal` aborts it. `lastEventId.value` is
 * sent as Last-Event-ID and kept current, so the next call resumes where this one stopped.
 * Throws the API's problem (a 404 for a job the user may not see) like any call.
 */
export async function readJobStream(
  id: string,
  lastEventId: { value: string | null },
  handlers: JobStreamHandlers,
  signal: AbortSignal,
): Promise<JobStreamOutcome> {
  const headers: Record<string, string> = { accept: 'text/event-stream, application/problem+json' };
  if (lastEventId.value) headers['last-event-id'] = lastEventId.value;
  const res = await openStream(`/jobs/${encodeURIComponent(id)}/stream`, headers, signal);
  // 204: the job is final and the last event received already said so.
  if (res.status === 204) return 'ended';
  if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream') || !res.body) return 'unavailable';
  let final = false;
  const parser = eventStreamParser((message) => {
    let data: any;
    try {
      data = JSON.parse(message.data);
    } catch {
      return;
    }
    if (message.id) lastEventId.value = message.id;
    if (message.event === 'status' && typeof data?.status === 'string') {
      if (isTerminal(data.status)) final = true;
      handlers.onStatus(data.status);
    } else if (message.event === 'progress' && typeof data?.processed === 'number') {
      handlers.onProgress({ processed: data.processed, total: data.total ?? null, percent: data.percent ?? null });
    }
  });
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.push(decoder.decode(value, { stream: true }));
    }
  } catch {
    // Connection cut, or aborted: `final` tells which it was for the job.
  } finally {
    reader.releaseLock();
  }
  return final ? 'ended' : 'broken';
}
