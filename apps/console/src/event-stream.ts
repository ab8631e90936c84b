/** One Server-Sent Events message. */
export interface EventStreamMessage {
  id: string | null;
  event: string;
  data: string;
}

/**
 * Parses a `text/event-stream` body as it arrives (the HTML standard's rules: `field: value`
 * lines, a blank line dispatches, `:` starts a comment, a message without `data` is dropped).
 * The console reads streams with fetch because EventSource cannot send the Authorization header.
 * `push` takes decoded text in chunks of any size; a line may span chunks.
 */
export function eventStreamParser(onMessage: (message: EventStreamMessage) => void): { push(text: string): void } {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  // The last id persists across messages, as in an EventSource.
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
