import { createHmac, timingSafeEqual } from 'crypto';

/**
 * Signed download links of the local storage driver (ADR 044): `sig` is the base64url
 * HMAC-SHA256, keyed by DOWNLOAD_LINK_SECRET, of `v1\n{exportId}\n{expires}` (expires in Unix
 * seconds). Whoever holds the URL may download until `expires`; changing any part breaks the
 * signature. Compared in constant time, so response timing reveals nothing about a valid `sig`.
 */
export class DownloadLinkSigner {
  constructor(private readonly secret: string) {
    if (secret.length < 16) throw new Error('download link secret too short');
  }

  sign(exportId: string, expiresUnix: number): string {
    return createHmac('sha256', this.secret).update(`v1\n${exportId}\n${expiresUnix}`).digest('base64url');
  }

  /**
   * 'valid', 'expired' (a correct signature whose time has passed) or 'invalid' (missing,
   * malformed or tampered). Callers answer 403 to both refusals.
   */
  verify(exportId: string, expires: string | undefined, signature: string | undefined, now: Date): 'valid' | 'expired' | 'invalid' {
    if (!expires || !signature || !/^\d{1,12}$/.test(expires) || !/^[A-Za-z0-9_-]{43}$/.test(signature)) return 'invalid';
    const expected = Buffer.from(this.sign(exportId, Number(expires)), 'base64url');
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
    return Number(expires) * 1000 <= now.getTime() ? 'expired' : 'valid';
  }
}
