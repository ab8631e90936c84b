import { createCipheriv, createDecipheriv, randomBytes } from 'crypto';

/**
 * Signing secrets at rest: AES-256-GCM under WEBHOOK_SECRET_KEY, a fresh 12-byte IV each time,
 * the endpoint id as associated data (a ciphertext copied onto another endpoint's row does not
 * decrypt). Stored as `v1.<iv>.<tag>.<ciphertext>` (base64url). Porter must sign, so the secret
 * is encrypted, not hashed.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('WEBHOOK_SECRET_KEY must be 32 bytes');
  }

  seal(plain: string, endpointId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(endpointId));
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), ciphertext].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  open(sealed: string, endpointId: string): string {
    const [version, iv, tag, ciphertext] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || ciphertext === undefined) throw new Error('unknown sealed secret format');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(endpointId));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }
}

/** `whsec_` + base64 of 24 random bytes (the Standard Webhooks secret format). */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}
