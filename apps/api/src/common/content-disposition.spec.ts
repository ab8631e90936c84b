import { attachmentDisposition } from './content-disposition';

describe('attachmentDisposition (RFC 6266)', () => {
  it('gives ASCII names as they are, in both parameters', () => {
    expect(attachmentDisposition('employees-2026-11-22-a1b2c3d4.csv')).toBe(
      `attachment; filename="employees-2026-11-22-a1b2c3d4.csv"; filename*=UTF-8''employees-2026-11-22-a1b2c3d4.csv`,
    );
  });

  it('falls back to a safe ASCII name and carries the exact one in filename*', () => {
    expect(attachmentDisposition('Zoë "report"\r\n(1).csv')).toBe(
      `attachment; filename="Zo_ _report___(1).csv"; filename*=UTF-8''Zo%C3%AB%20%22report%22%0D%0A%281%29.csv`,
    );
  });
});
