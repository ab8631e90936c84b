/** The cron and time-zone inputs of a schedule, with the cron's syntax as their description. */
export const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

const zones = (): string[] => {
  try {
    return (Intl as unknown as { supportedValuesOf: (k: string) => string[] }).supportedValuesOf('timeZone');
  } catch {
    return [];
  }
};

export function CronFields({ cron, timezone, onCron, onTimezone, idPrefix }: { cron: string; timezone: string; onCron: (v: string) => void; onTimezone: (v: string) => void; idPrefix: string }) {
  return (
    <>
      <label>
        Cron
        <input name="cron" required maxLength={100} value={cron} aria-describedby={`${idPrefix}-cron-help`} autoComplete="off" spellcheck={false} onInput={(e) => onCron(e.currentTarget.value)} />
      </label>
      <label>
        Time zone
        <input name="timezone" required maxLength={64} list={`${idPrefix}-zones`} value={timezone} autoComplete="off" onInput={(e) => onTimezone(e.currentTarget.value)} />
        <datalist id={`${idPrefix}-zones`}>
          {zones().map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
      </label>
      <p id={`${idPrefix}-cron-help`} class="hint cron-help">
        Five fields, <code>minute hour day-of-month month day-of-week</code> (e.g. <code>0 6 * * 1-5</code>: 06:00 on weekdays), or <code>@hourly</code>,{' '}
        <code>@daily</code>, <code>@weekly</code>, <code>@monthly</code>; read in the time zone.
      </p>
    </>
  );
}
