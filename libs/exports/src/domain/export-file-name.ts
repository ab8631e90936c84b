/**
 * `<type>-<YYYY-MM-DD>-<short id>.<ext>`: readable in a downloads folder, unique enough to not
 * collide, and made only of safe characters (the type is kebab-case, the id hex).
 */
export function exportFileName(type: string, requestedAt: Date, exportId: string, extension: string): string {
  const date = requestedAt.toISOString().slice(0, 10);
  const shortId = exportId.replace(/-/g, '').slice(0, 8).toLowerCase();
  return `${type}-${date}-${shortId}.${extension}`;
}
