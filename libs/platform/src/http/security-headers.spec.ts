import { IncomingMessage, ServerResponse } from 'http';
import { Socket } from 'net';
import helmet from 'helmet';
import { SECURITY_HEADERS, setSecurityHeaders } from './configure-http-app';

function response(): ServerResponse {
  const response = new ServerResponse(new IncomingMessage(new Socket()));
  // What a framework may have put there before: helmet removes it, and so must the recorded list.
  response.setHeader('X-Powered-By', 'something');
  return response;
}

describe('security headers learnt from helmet', () => {
  it('sets on an answer exactly the headers helmet itself sets, and removes what it removes', () => {
    const byHelmet = response();
    let called = false;
    helmet()(byHelmet.req, byHelmet, () => (called = true));
    expect(called).toBe(true);

    const byPorter = response();
    setSecurityHeaders(byPorter);

    expect(byPorter.getHeaders()).toEqual(byHelmet.getHeaders());
    expect(byPorter.getHeader('x-powered-by')).toBeUndefined();
    expect(byPorter.getHeader('content-security-policy')).toContain("script-src 'self'");
    expect(Object.keys(byPorter.getHeaders())).toHaveLength(12);
  });

  it('is the list of a helmet that finished at once, with every header it set', () => {
    expect(SECURITY_HEADERS.set.map(([name]) => name.toLowerCase())).toEqual(
      expect.arrayContaining(['content-security-policy', 'strict-transport-security', 'x-content-type-options', 'x-frame-options', 'referrer-policy']),
    );
    expect(SECURITY_HEADERS.remove).toEqual(['X-Powered-By']);
  });
});
