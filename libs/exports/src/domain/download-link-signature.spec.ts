import { DownloadLinkSigner } from './download-link-signature';

const ID = '0b7f3c1e-2d4a-4e5f-8a9b-0c1d2e3f4a5b';
const NOW = new Date('2026-03-01T12:00:00Z');
const LATER = Math.floor(NOW.getTime() / 1000) + 900;
const signer = new DownloadLinkSigner('a-secret-of-at-least-thirty-two-chars');

describe('DownloadLinkSigner', () => {
  it('accepts its own signature before the expiry time', () => {
    expect(signer.verify(ID, String(LATER), signer.sign(ID, LATER), NOW)).toBe('valid');
  });

  it('calls a correctly signed link past its time expired, at the very second too', () => {
    const at = Math.floor(NOW.getTime() / 1000);
    expect(signer.verify(ID, String(at), signer.sign(ID, at), NOW)).toBe('expired');
    expect(signer.verify(ID, String(at - 1), signer.sign(ID, at - 1), NOW)).toBe('expired');
  });

  it.each([
    ['another export id', () => signer.verify('1b7f3c1e-2d4a-4e5f-8a9b-0c1d2e3f4a5b', String(LATER), signer.sign(ID, LATER), NOW)],
    ['a pushed-back expiry', () => signer.verify(ID, String(LATER + 3600), signer.sign(ID, LATER), NOW)],
    ['a flipped signature character', () => {
      const sig = signer.sign(ID, LATER);
      return signer.verify(ID, String(LATER), (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1), NOW);
    }],
    ['a signature made with another secret', () => signer.verify(ID, String(LATER), new DownloadLinkSigner('another-secret-of-thirty-two-chars!').sign(ID, LATER), NOW)],
    ['a missing signature', () => signer.verify(ID, String(LATER), undefined, NOW)],
    ['a missing expiry', () => signer.verify(ID, undefined, signer.sign(ID, LATER), NOW)],
    ['a non-numeric expiry', () => signer.verify(ID, `${LATER}.5`, signer.sign(ID, LATER), NOW)],
    ['a truncated signature', () => signer.verify(ID, String(LATER), signer.sign(ID, LATER).slice(0, 20), NOW)],
  ])('refuses %s as invalid', (_what, verify) => {
    expect(verify()).toBe('invalid');
  });

  it('signs deterministically (a link can be re-made) and differently per expiry', () => {
    expect(signer.sign(ID, LATER)).toBe(signer.sign(ID, LATER));
    expect(signer.sign(ID, LATER)).not.toBe(signer.sign(ID, LATER + 1));
  });
});
