/**
 * Identities (a token's subject and tenant, its roles and scopes) and the names people give
 * things (a job's name) end up in SQL, URLs, logs and the console: besides being non-empty and
 * bounded, they hold no control characters (C0, DEL,
 * C1; NUL cannot even be stored), no bidirectional-text controls (they make one name display as
 * another) and no lone UTF-16 surrogates (UTF-8 cannot carry them: stored as U+FFFD, the value
 * would no longer match itself). Null when `value` is fine.
 */
export function identityTextProblem(value: string, maxLength: number): string | null {
  if (!value.length) return 'must not be empty';
  if (value.length > maxLength) return `must be at most ${maxLength} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) return 'must not contain control characters';
  if (/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(value)) return 'must not contain bidirectional-text controls';
  if (hasLoneSurrogate(value)) return 'must be valid Unicode (it holds a lone UTF-16 surrogate)';
  return null;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A UTF-16 surrogate without its pair: JSON may carry one (`"\ud800"`), UTF-8 and Postgres cannot (it becomes U+FFFD). */
export function hasLoneSurrogate(value: string): boolean {
  return LONE_SURROGATE.test(value);
}

/** The longest tenant a token may carry, and so the longest a tenant's limits can be set for. */
export const MAX_TENANT_LENGTH = 200;

/**
 * Text from outside (an exception's message, a webhook receiver's answer) made storable in a
 * Postgres `text` or `jsonb` value: NUL, which neither can hold (the whole write fails: "invalid
 * byte sequence for encoding UTF8: 0x00"), becomes U+FFFD, as do lone surrogates (which `jsonb`
 * refuses as an escape). Everything else is kept as it came.
 */
export function storableText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}
