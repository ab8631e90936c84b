import { useEffect, useState } from 'preact/hooks';
import { api, get, Page, query } from '../api';
import { SecretOnce } from '../components/secret';
import { EventsField, NO_EVENTS, webhookErrors } from '../components/webhook-events';
import { clearsError, FieldError, Link, Pager, ProblemBox, Status, useAction, useLoad } from '../components/ui';
import { whenLocal } from '../components/time';
import { Webhook, WebhookDelivery } from '../model';
import { navigate } from '../router';
import { eventsText } from './webhooks';

function EditWebhook({ hook, onSaved }: { hook: Webhook; onSaved: (w: Webhook) => void }) {
  const [url, setUrl] = useState(hook.url);
  const [events, setEvents] = useState(hook.events);
  const [description, setDescription] = useState(hook.description ?? '');
  const [enabled, setEnabled] = useState(hook.enabled);
  const { busy, error, run, setError } = useAction();
  const [noEvents, setNoEvents] = useState(false);
  const split = webhookErrors(error);
  const errors: Record<string, string> = { ...split.fields, ...(noEvents ? { events: NO_EVENTS } : {}) };
  return (
    <form
      class="panel"
      aria-labelledby="edit-webhook"
      {...clearsError((e) => (setError(e), setNoEvents(false)))}
      onSubmit={(e) => {
        e.preventDefault();
        if (!events.length) return (setError(null), setNoEvents(true));
        void run(async () => onSaved(await api<Webhook>('PATCH', `/webhooks/${hook.id}`, { url: url.trim(), events, description: description.trim() || null, enabled })));
      }}
    >
      <h2 id="edit-webhook">Edit</h2>
      <div class="field">
        <label>
          URL{' '}
          <input
            name="url"
            type="url"
            required
            maxLength={2000}
            value={url}
            aria-invalid={errors.url ? 'true' : undefined}
            aria-describedby={errors.url ? 'edit-url-error' : undefined}
            onInput={(e) => setUrl(e.currentTarget.value)}
          />
        </label>
        <FieldError id="edit-url-error" message={errors.url} />
      </div>
      <label>
        Description <input name="description" maxLength={500} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      </label>
      <EventsField idPrefix="edit" events={events} onChange={setEvents} error={errors.events} />
      <label class="check">
        <input type="checkbox" name="enabled" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} /> Enabled
      </label>
      <button type="submit" disabled={busy}>
        Save
      </button>
      <ProblemBox error={split.rest} />
    </form>
  );
}

const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'];

function Deliveries({ id, generation }: { id: string; generation: number }) {
  const [status, setStatus] = useState('');
  const [offset, setOffset] = useState(0);
  const list = useLoad(() => get<Page<WebhookDelivery>>(`/webhooks/${id}/deliveries${query({ status, offset, limit: 10 })}`), [id, status, offset, generation]);
  const action = useAction();
  // Pending deliveries move on their own (retries with backoff): read again until none is pending.
  const pending = list.data?.items.some((d) => d.status === 'pending');
  useEffect(() => {
    if (!pending) return undefined;
    const timer = setTimeout(list.reload, 1000);
    return () => clearTimeout(timer);
  }, [list.data]);
  return (
    <>
      <div class="title-row">
        <h2 id="deliveries">Deliveries</h2>
        <label class="inline">
          Status
          <select name="delivery-status" value={status} onChange={(e) => (setStatus(e.currentTarget.value), setOffset(0))}>
            <option value="">all</option>
            {DELIVERY_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={list.reload}>
          Refresh deliveries
        </button>
      </div>
      <ProblemBox error={list.error ?? action.error} />
      {list.data && (
        <>
          <div class="table-wrap">
            <table aria-labelledby="deliveries">
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="hide-phone">Delivered</th>
                  <th scope="col" class="hide-phone">Created</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((d) => (
                  <tr key={`${d.id}-${d.status}-${d.attempts}`} data-delivery-id={d.id}>
                    <td>
                      {d.eventType}
                      <div class="sub">
                        <code>{d.eventId}</code>
                      </div>
                    </td>
                    <td>
                      <Status status={d.status} />
                      <div class="sub">
                        {d.attempts} attempt{d.attempts === 1 ? '' : 's'}
                        {d.lastStatusCode !== null ? ` · HTTP ${d.lastStatusCode}` : ''}
                        {d.status === 'pending' && d.nextAttemptAt ? ` · next ${whenLocal(d.nextAttemptAt)}` : ''}
                      </div>
                      {d.lastError && <div class="sub error-text">{d.lastError}</div>}
                    </td>
                    <td class="nowrap hide-phone">{whenLocal(d.deliveredAt)}</td>
                    <td class="nowrap hide-phone">{whenLocal(d.createdAt)}</td>
                    <td>
                      {d.status !== 'pending' && (
                        <button type="button" disabled={action.busy} onClick={() => action.run(async () => (await api('POST', `/webhooks/${id}/deliveries/${d.id}/redeliver`), list.reload()))}>
                          Redeliver <span class="visually-hidden">{`${d.eventType} ${d.eventId}`}</span>
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
                {!list.data.items.length && (
                  <tr>
                    <td colSpan={5} class="empty">
                      No deliveries{status ? ` ${status}` : ''}.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
          <Pager offset={offset} limit={10} total={list.data.totalRecords} onOffset={setOffset} />
        </>
      )}
    </>
  );
}

export function WebhookPage({ id }: { id: string }) {
  const loaded = useLoad(() => get<Webhook>(`/webhooks/${id}`), [id]);
  const [override, setOverride] = useState<Webhook | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const action = useAction();
  useEffect(() => setOverride(null), [loaded.data]);
  const hook = override ?? loaded.data;
  if (!hook) {
    return (
      <section>
        <h1 tabIndex={-1}>Webhook</h1>
        {loaded.error ? <ProblemBox error={loaded.error} /> : <p>Loading…</p>}
        <Link href="/console/webhooks">Back to webhooks</Link>
      </section>
    );
  }
  return (
    <section>
      <p class="crumbs">
        <Link href="/console/webhooks">Webhooks</Link> / {hook.id}
      </p>
      <h1 tabIndex={-1} class="url">
        {hook.url}
      </h1>
      <p class="sub">
        {hook.enabled ? 'Enabled' : 'Disabled'} · {eventsText(hook.events)}
        {hook.description ? ` · ${hook.description}` : ''}
      </p>
      {hook.disabledReason && (
        <div class="problem" role="status">
          <strong>Disabled by Porter {whenLocal(hook.disabledAt)}</strong>
          <p>{hook.disabledReason}</p>
        </div>
      )}
      <div class="actions" role="group" aria-label="Webhook actions">
        <button
          type="button"
          disabled={action.busy}
          onClick={() => action.run(async () => (await api('POST', `/webhooks/${hook.id}/ping`), setNotice('Ping sent: see its delivery below.'), setGeneration((g) => g + 1)))}
        >
          Send ping
        </button>
        <button
          type="button"
          disabled={action.busy}
          onClick={() => {
            if (confirm('Rotate the signing secret? The current one stops signing at once.'))
              void action.run(async () => setSecret((await api<{ secret: string }>('POST', `/webhooks/${hook.id}/rotate-secret`)).secret));
          }}
        >
          Rotate secret
        </button>
        <button
          type="button"
          class="danger"
          disabled={action.busy}
          onClick={() => {
            if (confirm(`Delete the endpoint ${hook.url} and its deliveries?`)) void action.run(async () => (await api('DELETE', `/webhooks/${hook.id}`), navigate('/console/webhooks')));
          }}
        >
          Delete endpoint
        </button>
      </div>
      {notice && (
        <p class="sub" role="status">
          {notice}
        </p>
      )}
      <ProblemBox error={action.error} />
      {secret && <SecretOnce secret={secret} onDone={() => setSecret(null)} />}
      <EditWebhook key={`${hook.id}-${hook.updatedAt}`} hook={hook} onSaved={setOverride} />
      <Deliveries id={hook.id} generation={generation} />
    </section>
  );
}
