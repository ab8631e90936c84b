/**
 * `attachment` with an ASCII fallback `filename` (quotes, backslashes, controls and non-ASCII
 * replaced) and an RFC 5987 `filename*` carrying the exact UTF-8 name (RFC 6266 section 4.3).
 */
export function attachmentDisposition(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_').replace(/[\r\n]/g, '_') || 'download';
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
