/** A Server-Sent Events message as a test sees it, with when it arrived. */
export interface SseMessage {
  id: string | null;
  event: string;
  data: any;
  at: number;
}

export interface OpenedStream {
  status: number;
  contentType: string | null;
  /** The body when the answer was not a stream (a problem, a 204). */
  body: string | null;
  messages: SseMessage[];
  comments: string[];
  /** Settles when the server closed the stream (true) or the test aborted it (false). */
  ended: Promise<boolean>;
  /** Resolves with the first message that passes `test` (also one already received). */
  waitFor(test: (message: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage>;
  abort(): void;
}

/**
 * Opens `GET /api/v1/jobs/{id}/stream` with fetch and parses the stream as it arrives (the
 * line format of the HTML standard: `field: value` lines, a blank line ends a message, `:` a comment).
 */
export async function openJobStream(baseUrl: string, authorization: string, jobId: string, lastEventId?: string): Promise<OpenedStream> {
  const controller = new AbortController();
  const res = await fetch(`${baseUrl}/api/v1/jobs/${jobId}/stream`, {
    headers: { authorization, accept: 'text/event-stream', ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }) },
    signal: controller.signal,
  });
  const contentType = res.headers.get('content-type');
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  const waiters: Array<{ test: (m: SseMessage) => boolean; resolve: (m: SseMessage) => void }> = [];
  const isStream = res.status === 200 && (contentType ?? '').startsWith('text/event-stream');
  if (!isStream) {
    const body = await res.text();
    return {
      status: res.status, contentType, body, messages, comments, ended: Promise.resolve(true),
      waitFor: () => Promise.reject(new Error(`not a stream: ${res.status} ${body}`)),
      abort: () => undefined,
    };
  }
  const ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    let current: { id: string | null; event: string; data: string[] } = { id: null, event: 'message', data: [] };
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let newline: number;
        while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
          if (line === '') {
            if (current.data.length) {
              const message: SseMessage = { id: current.id, event: current.event, data: JSON.parse(current.data.join('\n')), at: Date.now() };
              messages.push(message);
              for (const w of [...waiters]) if (w.test(message)) waiters.splice(waiters.indexOf(w), 1) && w.resolve(message);
            }
            current = { id: null, event: 'message', data: [] };
          } else if (line.startsWith(':')) {
            comments.push(line.slice(1).trim());
          } else {
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') current.id = value;
            else if (field === 'event') current.event = value;
            else if (field === 'data') current.data.push(value);
          }
        }
      }
      return true;
    } catch (error) {
      if (controller.signal.aborted) return false;
      throw error;
    }
  })();
  return {
    status: res.status, contentType, body: null, messages, comments, ended,
    waitFor(test, timeoutMs = 30_000) {
      const found = messages.find(test);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no such message within ${timeoutMs} ms; got ${JSON.stringify(messages)}`)), timeoutMs);
        waiters.push({ test, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
    abort: () => controller.abort(),
  };
}

/** Resident memory of a process, in bytes (Linux /proc). */
export function residentBytes(pid: number): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const status: string = require('fs').readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb[1]) * 1024;
}
