import { FieldError } from './ui';

/** The cron and time-zone inputs of a schedule, with the cron's syntax as their description. */
export const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

const zones = (): string[] => {
  try {
    return (Intl as unknown as { supportedValuesOf: (k: string) => string[] }).supportedValuesOf('timeZone');
  } catch {
    return [];
  }
};

/**
 * The cron and time-zone inputs; `errors` (`cron`, `timezone`: the API's field errors) show at
 * their field, which is marked invalid.
 */
export function CronFields({
  cron,
  timezone,
  onCron,
  onTimezone,
  idPrefix,
  errors = {},
}: {
  cron: string;
  timezone: string;
  onCron: (v: string) => void;
  onTimezone: (v: string) => void;
  idPrefix: string;
  errors?: Record<string, string>;
}) {
  return (
    <>
      <div class="field">
        <label>
          Cron
          <input
            name="cron"
            required
            maxLength={100}
            value={cron}
            aria-invalid={errors.cron ? 'true' : undefined}
            aria-describedby={errors.cron ? `${idPrefix}-cron-error ${idPrefix}-cron-help` : `${idPrefix}-cron-help`}
            autoComplete="off"
            spellcheck={false}
            onInput={(e) => onCron(e.currentTarget.value)}
          />
        </label>
        <FieldError id={`${idPrefix}-cron-error`} message={errors.cron} />
      </div>
      <div class="field">
        <label>
          Time zone
          <input
            name="timezone"
            required
            maxLength={64}
            list={`${idPrefix}-zones`}
            value={timezone}
            aria-invalid={errors.timezone ? 'true' : undefined}
            aria-describedby={errors.timezone ? `${idPrefix}-timezone-error` : undefined}
            autoComplete="off"
            onInput={(e) => onTimezone(e.currentTarget.value)}
          />
          <datalist id={`${idPrefix}-zones`}>
            {zones().map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </label>
        <FieldError id={`${idPrefix}-timezone-error`} message={errors.timezone} />
      </div>
      <p id={`${idPrefix}-cron-help`} class="hint cron-help">
        Five fields, <code>minute hour day-of-month month day-of-week</code> (e.g. <code>0 6 * * 1-5</code>: 06:00 on weekdays), or <code>@hourly</code>,{' '}
        <code>@daily</code>, <code>@weekly</code>, <code>@monthly</code>; read in the time zone.
      </p>
    </>
  );
}
