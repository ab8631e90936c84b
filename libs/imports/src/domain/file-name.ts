/**
 * The caller's file name is metadata only (storage keys are server-generated). Keep a readable,
 * harmless version: the last path segment, no control or path characters, at most 200 chars.
 */
export function sanitizeFileName(name: string | null | undefined): string | null {
  if (!name) return null;
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f"<>|:*?]/g, '_')
    .replace(/^\.+/, '')
    .trim()
    .slice(0, 200);
  return cleaned || null;
}
