import { WEBHOOK_EVENTS } from '../model';

/** The events an endpoint subscribes to: each type, or all (`*`, which includes types added later). */
export function EventsField({ events, onChange }: { events: string[]; onChange: (events: string[]) => void }) {
  const all = events.includes('*');
  return (
    <fieldset>
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
    </fieldset>
  );
}
