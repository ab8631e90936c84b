import { randomBytes } from 'crypto';
import { newSigningSecret, SecretBox } from './secret-box';

describe('SecretBox (webhook secrets at rest)', () => {
  const box = new SecretBox(randomBytes(32));

  it('opens what it sealed, and never stores the secret in clear', () => {
    const secret = newSigningSecret();
    const sealed = box.seal(secret, 'endpoint-1');
    expect(sealed).not.toContain(secret.slice(6));
    expect(box.open(sealed, 'endpoint-1')).toBe(secret);
    expect(box.seal(secret, 'endpoint-1')).not.toBe(sealed); // fresh IV each time
  });

  it("refuses another endpoint's ciphertext, a tampered one and another key", () => {
    const sealed = box.seal('whsec_abc', 'endpoint-1');
    expect(() => box.open(sealed, 'endpoint-2')).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('x').toString('base64url') + parts[3].slice(2);
    expect(() => box.open(parts.join('.'), 'endpoint-1')).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'endpoint-1')).toThrow();
  });

  it('makes whsec_ secrets of 24 random bytes', () => {
    const secret = newSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(24);
  });
});
