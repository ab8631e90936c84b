import { applyDecorators } from '@nestjs/common';
import { IsISO8601, Matches } from 'class-validator';

/** A date and a time of day, then `Z` or an offset (`+01:00`, `-0500`). */
const WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$/i;

/**
 * An instant: an ISO 8601 date-time that says its zone. `2030-01-01T00:00:00` (no zone) or
 * `2030-01-01` (no time) would be read in the server's own zone, a different instant on each
 * host; the contract's timestamps are instants, so they are refused (400) with how to write one.
 */
export function IsInstant(): PropertyDecorator {
  return applyDecorators(
    IsISO8601({ strict: true }),
    Matches(WITH_ZONE, { message: ({ property }) => `${property} must be a date and time with its zone, such as 2030-01-31T22:00:00Z or 2030-01-31T23:00:00+01:00 (without one it would be read in the server's zone)` }),
  );
}
