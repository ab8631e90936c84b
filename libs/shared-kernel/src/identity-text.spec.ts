import { storableText } from './identity-text';

describe('storableText', () => {
  it('replaces NUL and lone surrogates, which Postgres cannot store, and keeps everything else', () => {
    expect(storableText('ok \u0000<script>')).toBe('ok \uFFFD<script>');
    expect(storableText('a\ud800b\udc00c')).toBe('a\uFFFDb\uFFFDc');
    const kept = 'tab\there, line\nbreak, 😀 pair, é, \u202e bidi';
    expect(storableText(kept)).toBe(kept);
  });
});
