import { useState } from 'preact/hooks';
import { api, ApiError, get, Page, query } from '../api';
import { SecretOnce } from '../components/secret';
import { EventsField, NO_EVENTS, webhookErrors } from '../components/webhook-events';
import { whenLocal } from '../components/time';
import { clearsError, FieldError, Link, PagedList, ProblemBox, useAction, useLoad } from '../components/ui';
import { Webhook } from '../model';

export const eventsText = (events: string[]) => (events.includes('*') ? 'all events' : events.join(', '));

function RegisterForm({ onRegistered }: { onRegistered: (w: Webhook) => void }) {
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['*']);
  const [description, setDescription] = useState('');
  const { busy, error, run, setError } = useAction();
  const [noEvents, setNoEvents] = useState(false);
  const split = webhookErrors(error);
  const errors: Record<string, string> = { ...split.fields, ...(noEvents ? { events: NO_EVENTS } : {}) };
  return (
    <form
      class="panel"
      aria-labelledby="new-webhook"
      {...clearsError((e) => (setError(e), setNoEvents(false)))}
      onSubmit={(e) => {
        e.preventDefault();
        // No event ticked: said at the events, not sent for the API's validator to word.
        if (!events.length) return (setError(null), setNoEvents(true));
        void run(async () => {
          const body = { url: url.trim(), events, ...(description.trim() ? { description: description.trim() } : {}) };
          onRegistered(await api<Webhook>('POST', '/webhooks', body));
          setUrl('');
          setDescription('');
        });
      }}
    >
      <h2 id="new-webhook">Register an endpoint</h2>
      <div class="row">
        <div class="field grow">
          <label>
            URL{' '}
            <input
              name="url"
              type="url"
              required
              maxLength={2000}
              placeholder="https://hooks.example.com/porter"
              value={url}
              aria-invalid={errors.url ? 'true' : undefined}
              aria-describedby={errors.url ? 'new-url-error' : undefined}
              onInput={(e) => setUrl(e.currentTarget.value)}
            />
          </label>
          <FieldError id="new-url-error" message={errors.url} />
        </div>
        <label class="grow">
          Description (optional) <input name="description" maxLength={500} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </label>
      </div>
      <EventsField idPrefix="new" events={events} onChange={setEvents} error={errors.events} />
      <button type="submit" disabled={busy}>
        Register
      </button>
      <ProblemBox error={split.rest} />
    </form>
  );
}

export function WebhooksPage() {
  const [offset, setOffset] = useState(0);
  const [secret, setSecret] = useState<{ id: string; secret: string } | null>(null);
  const list = useLoad(() => get<Page<Webhook>>(`/webhooks${query({ offset, limit: 20 })}`), [offset]);
  // Tenant admins only: a 403 is the API's answer, shown as such, and there is nothing to register.
  const forbidden = list.error instanceof ApiError && list.error.problem.status === 403;
  return (
    <section>
      <h1 tabIndex={-1}>Webhooks</h1>
      <p class="hint">Porter POSTs signed events (Standard Webhooks) to these endpoints of your tenant. Tenant admins only.</p>
      {secret && (
        <>
          <SecretOnce secret={secret.secret} onDone={() => setSecret(null)} />
          <p>
            <Link href={`/console/webhooks/${secret.id}`}>Open the new endpoint</Link> to ping it and see its deliveries.
          </p>
        </>
      )}
      {!forbidden && <RegisterForm onRegistered={(w) => (setSecret({ id: w.id, secret: w.secret ?? '' }), setOffset(0), list.reload())} />}
      <PagedList
        title="Endpoints"
        showTitle={!forbidden}
        list={list}
        columns={['Endpoint', 'Events', 'State', { label: 'Created', hidePhone: true }]}
        row={(w) => (
          <tr key={w.id} data-webhook-id={w.id}>
            <td class="url">
              <Link href={`/console/webhooks/${w.id}`}>{w.url}</Link>
              {w.description && <div class="sub">{w.description}</div>}
            </td>
            <td>{eventsText(w.events)}</td>
            <td>
              {w.enabled ? 'enabled' : 'disabled'}
              {w.disabledReason && <div class="sub error-text">{w.disabledReason}</div>}
            </td>
            <td class="nowrap hide-phone">{whenLocal(w.createdAt)}</td>
          </tr>
        )}
        empty="No endpoints yet."
        offset={offset}
        limit={20}
        onOffset={setOffset}
      />
    </section>
  );
}
