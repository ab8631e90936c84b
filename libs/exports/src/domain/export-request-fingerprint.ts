import { createHash } from 'crypto';

/** JSON with object keys sorted at every level, so equal bodies hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** What makes two requests "the same body" for Idempotency-Key. */
export function exportRequestFingerprint(body: {
  type: string;
  format: string;
  filters: Record<string, unknown>;
  scopeIds: readonly string[];
  name: string | null;
  scheduledFor: Date | null;
  columns?: readonly string[] | null;
  ids?: readonly string[] | null;
  compression?: string;
  /** `notify: { email: true }` was asked: a replay that adds or drops it is another request. */
  notifyEmail?: boolean;
}): string {
  // Column order is meaningful (it is the file's); id order is not. The defaults are left out so
  // that a key used before these options existed still matches the same plain request.
  const { columns, ids, compression, notifyEmail, ...rest } = body;
  return createHash('sha256')
    .update(
      canonicalJson({
        ...rest,
        scopeIds: [...body.scopeIds].sort(),
        ...(columns ? { columns } : {}),
        ...(ids ? { ids: [...ids].sort() } : {}),
        ...(compression && compression !== 'none' ? { compression } : {}),
        ...(notifyEmail ? { notify: { email: true } } : {}),
      }),
    )
    .digest('hex');
}
