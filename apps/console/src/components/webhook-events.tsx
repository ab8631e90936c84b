import { ApiError } from '../api';
import { WEBHOOK_EVENTS } from '../model';
import { FieldError, splitFieldErrors } from './ui';

export const NO_EVENTS = 'Choose at least one event (or All events).';

/** The events an endpoint subscribes to: each type, or all (`*`, which includes types added later). `error` shows under them. */
export function EventsField({ events, onChange, error, idPrefix = 'webhook' }: { events: string[]; onChange: (events: string[]) => void; error?: string; idPrefix?: string }) {
  const all = events.includes('*');
  return (
    <fieldset aria-describedby={error ? `${idPrefix}-events-error` : undefined} aria-invalid={error ? 'true' : undefined}>
      <legend>Events</legend>
      <div class="row">
        <label class="check">
          <input type="checkbox" name="events" value="*" checked={all} onChange={(e) => onChange(e.currentTarget.checked ? ['*'] : [])} /> All events
        </label>
        {WEBHOOK_EVENTS.map((type) => (
          <label key={type} class="check">
            <input
              type="checkbox"
              name="events"
              value={type}
              disabled={all}
              checked={all || events.includes(type)}
              onChange={(e) => onChange(e.currentTarget.checked ? WEBHOOK_EVENTS.filter((x) => x === type || events.includes(x)) : events.filter((x) => x !== type))}
            />{' '}
            {type}
          </label>
        ))}
      </div>
      <FieldError id={`${idPrefix}-events-error`} message={error} />
    </fieldset>
  );
}

/**
 * The API's words for a server operator, said for a tenant admin: the allow-list of internal
 * hosts (WEBHOOK_ALLOWED_HOSTS) is the platform operator's setting, and an empty event list is
 * "choose at least one event", not the validator's "must contain at least 1 elements".
 */
export function forTenantAdmin(message: string, path?: string): string {
  if (path === 'events' && /at least 1/.test(message)) return NO_EVENTS;
  return message
    .replace(/\s*\((?:not )?allow(?:ed)?(?: it)? (?:with|by) WEBHOOK_ALLOWED_HOSTS\)/g, ' (an internal address: ask your platform operator to allow this host)')
    .replace(/unless allowed by WEBHOOK_ALLOWED_HOSTS/g, 'unless your platform operator allows the host');
}

/**
 * A webhook form's error, reworded (above) and split: the URL's and the events' errors show at
 * their fields (once), the rest in the problem box.
 */
export function webhookErrors(error: Error | null): { fields: Record<string, string>; rest: Error | null } {
  if (!(error instanceof ApiError)) return splitFieldErrors(error, []);
  const p = error.problem;
  const reworded = new ApiError({
    ...p,
    detail: p.detail === undefined ? undefined : forTenantAdmin(p.detail),
    errors: p.errors?.map((e) => ({ path: e.path, message: forTenantAdmin(e.message, e.path) })),
  });
  return splitFieldErrors(reworded, ['url', 'events']);
}
