import { sseComment, sseMessage, sseRetry } from './server-sent-events';

describe('Server-Sent Events framing', () => {
  it('writes an event as id, event and data lines ended by a blank line', () => {
    expect(sseMessage({ id: 'running.40.100', event: 'progress', data: { processed: 40, total: 100, percent: 40 } })).toBe(
      'id: running.40.100\nevent: progress\ndata: {"processed":40,"total":100,"percent":40}\n\n',
    );
  });

  it('keeps data on one line whatever it holds', () => {
    const frame = sseMessage({ id: '1', event: 'status', data: { status: 'a\nb\r\nc' } });
    expect(frame.split('\n').filter((l) => l.startsWith('data: '))).toHaveLength(1);
    expect(frame).toBe('id: 1\nevent: status\ndata: {"status":"a\\nb\\r\\nc"}\n\n');
  });

  it('refuses an id or event name that would split the message', () => {
    expect(() => sseMessage({ id: 'a\nb', event: 'status', data: {} })).toThrow(/line break/);
    expect(() => sseMessage({ id: 'a', event: 'status\rx', data: {} })).toThrow(/line break/);
  });

  it('writes comments and the retry field on lines clients know', () => {
    expect(sseComment('keep-alive')).toBe(': keep-alive\n\n');
    expect(sseComment('two\nlines')).toBe(': two lines\n\n');
    expect(sseRetry(3000.7)).toBe('retry: 3000\n\n');
  });
});
