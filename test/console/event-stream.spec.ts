import { EventStreamMessage, eventStreamParser } from '../../apps/console/src/event-stream';

function parse(chunks: string[]): EventStreamMessage[] {
  const messages: EventStreamMessage[] = [];
  const parser = eventStreamParser((m) => messages.push(m));
  for (const chunk of chunks) parser.push(chunk);
  return messages;
}

describe('console event-stream parser', () => {
  const body = 'retry: 3000\n\nid: running.-.-\nevent: status\ndata: {"status":"running"}\n\n: keep-alive\n\nid: running.1.2\nevent: progress\ndata: {"processed":1}\n\n';

  it('reads messages with their id and event, skipping comments and retry lines', () => {
    expect(parse([body])).toEqual([
      { id: 'running.-.-', event: 'status', data: '{"status":"running"}' },
      { id: 'running.1.2', event: 'progress', data: '{"processed":1}' },
    ]);
  });

  it('gives the same messages whatever the chunking, one character at a time included', () => {
    expect(parse(body.split(''))).toEqual(parse([body]));
    expect(parse([body.slice(0, 17), body.slice(17, 50), body.slice(50)])).toEqual(parse([body]));
  });

  it('accepts CRLF and CR line ends, even a CRLF split between chunks', () => {
    expect(parse(['id: a\r', '\nevent: x\r\ndata: 1\r', '\n\r\n'])).toEqual([{ id: 'a', event: 'x', data: '1' }]);
    expect(parse(['data: 2\r\r', ': next'])).toEqual([{ id: null, event: 'message', data: '2' }]);
  });

  it('joins several data lines, keeps the last id for messages without one, and drops a message without data', () => {
    expect(parse(['id: 7\nevent: a\n\ndata: x\ndata: y\n\n'])).toEqual([{ id: '7', event: 'message', data: 'x\ny' }]);
  });

  it('waits for the blank line before dispatching', () => {
    expect(parse(['data: incomplete\n'])).toEqual([]);
  });
});
