import { parseWebhookUrl, resolveAllowed } from './guarded-http';

describe('webhook URL refusals read as sentences', () => {
  it('names a refused scheme as it is written', () => {
    expect(() => parseWebhookUrl('javascript:alert(1)')).toThrow(/^only http and https URLs are allowed, got javascript$/);
    expect(() => parseWebhookUrl('ftp://example.com/x')).toThrow(/got ftp$/);
  });

  it('refuses port 0 (Node would send to the default port instead) and a URL with spaces around it (it is stored as given)', () => {
    expect(() => parseWebhookUrl('http://1.1.1.1:0/')).toThrow('port 0 is not a port a receiver can listen on');
    expect(() => parseWebhookUrl(' https://example.com/h')).toThrow('the URL must not begin or end with spaces');
    expect(() => parseWebhookUrl('https://example.com/h\n')).toThrow('the URL must not begin or end with spaces');
    expect(parseWebhookUrl('https://example.com:8443/h').port).toBe('8443');
  });

  it('says "an" before a reason that starts with a vowel, "a" before the others', async () => {
    await expect(resolveAllowed(new URL('http://0.0.0.0:9/x'), [])).rejects.toThrow('resolves to 0.0.0.0, an unspecified address');
    await expect(resolveAllowed(new URL('http://127.0.0.1:9/x'), [])).rejects.toThrow('resolves to 127.0.0.1, a loopback address');
  });
});
