/**
 * Errors a domain or application layer raises. The HTTP layer maps each kind to one status
 * (see the problem-details filter); nothing below HTTP knows about status codes.
 */
export interface FieldError {
  path: string;
  message: string;
}

export abstract class PorterError extends Error {
  abstract readonly kind:
    | 'not_found'
    | 'conflict'
    | 'validation'
    | 'forbidden'
    | 'gone'
    | 'too_large'
    | 'unsupported_media_type'
    | 'too_many_requests'
    | 'bad_request';

  constructor(message: string, readonly errors?: FieldError[]) {
    super(message);
    this.name = new.target.name;
  }
}

/** The object does not exist, or the caller may not know it exists (other tenant): 404. */
export class NotFoundError extends PorterError {
  readonly kind = 'not_found' as const;
  constructor(what: string, id?: string) {
    super(id ? `${what} ${id} was not found` : `${what} was not found`);
  }
}

/** An illegal state change or a duplicate: 409. */
export class ConflictError extends PorterError {
  readonly kind = 'conflict' as const;
}

/** Well-formed input that breaks a rule: 422, with the failing paths. */
export class ValidationError extends PorterError {
  readonly kind = 'validation' as const;
  constructor(message: string, errors: FieldError[] = []) {
    super(message, errors);
  }
}

/** Malformed input: 400. */
export class BadRequestError extends PorterError {
  readonly kind = 'bad_request' as const;
}

/** The caller is known but lacks a role or scope for an object it may see: 403. */
export class ForbiddenError extends PorterError {
  readonly kind = 'forbidden' as const;
}

/** The object existed but is no longer available (expired): 410. */
export class GoneError extends PorterError {
  readonly kind = 'gone' as const;
}

export class PayloadTooLargeError extends PorterError {
  readonly kind = 'too_large' as const;
}

export class UnsupportedMediaTypeError extends PorterError {
  readonly kind = 'unsupported_media_type' as const;
}

/** The caller went past a rate limit or quota: 429, retry after `retryAfterSeconds`. */
export class TooManyRequestsError extends PorterError {
  readonly kind = 'too_many_requests' as const;
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}
