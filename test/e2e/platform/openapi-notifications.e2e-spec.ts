import { startApi, PorterProcess } from '../../support/processes';

type Schema = { $ref?: string; type?: string; enum?: string[]; properties?: Record<string, Schema>; items?: Schema; required?: string[]; description?: string };
type Operation = { responses: Record<string, { description?: string; content?: Record<string, { schema: Schema }> }> };
type Doc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };

/**
 * The OpenAPI document describes the notification surface completely: the webhooks endpoints'
 * answers and problem+json errors, resend, and what Porter POSTs to a receiver (each event's
 * body as `WebhookEvent_<type>`, the Standard Webhooks headers as `WebhookDeliveryHeaders`).
 */
describe('OpenAPI document: webhooks, resend and the event payloads (e2e)', () => {
  let api: { process: PorterProcess; baseUrl: string };
  let doc: Doc;

  beforeAll(async () => {
    api = await startApi();
    doc = (await (await fetch(`${api.baseUrl}/api/docs-json`)).json()) as Doc;
  });
  afterAll(async () => {
    await api?.process.stop();
  });

  const schemaOf = (path: string, method: string, status: string, media = 'application/json'): Schema | undefined => doc.paths[path]?.[method]?.responses[status]?.content?.[media]?.schema;
  const resolve = (schema: Schema | undefined): Schema => {
    const name = schema?.$ref?.replace('#/components/schemas/', '');
    expect(name && doc.components.schemas[name]).toBeTruthy();
    return doc.components.schemas[name!];
  };
  const problem = (path: string, method: string, status: string) => resolve(schemaOf(path, method, status, 'application/problem+json'));

  it('gives every webhooks operation its answer schema and its problem+json errors', () => {
    const W = '/api/v1/webhooks';
    const created = resolve(schemaOf(W, 'post', '201'));
    expect(Object.keys(created.properties ?? {})).toEqual(expect.arrayContaining(['id', 'url', 'events', 'enabled', 'disabledReason', 'secret']));
    const page = resolve(schemaOf(W, 'get', '200'));
    expect(Object.keys(page.properties ?? {}).sort()).toEqual(['items', 'totalRecords']);
    const endpoint = resolve(schemaOf(`${W}/{id}`, 'get', '200'));
    expect(endpoint.properties).toHaveProperty('url');
    expect(endpoint.properties).not.toHaveProperty('secret');
    expect(resolve(schemaOf(`${W}/{id}`, 'patch', '200'))).toBe(endpoint);
    expect(doc.paths[`${W}/{id}`].delete.responses['204']).toBeDefined();
    expect(resolve(schemaOf(`${W}/{id}/rotate-secret`, 'post', '200')).properties).toHaveProperty('secret');
    expect(Object.keys(resolve(schemaOf(`${W}/{id}/ping`, 'post', '202')).properties ?? {}).sort()).toEqual(['deliveryId', 'eventId']);
    const deliveries = resolve(schemaOf(`${W}/{id}/deliveries`, 'get', '200'));
    const delivery = resolve(deliveries.properties?.items.items);
    expect(delivery.properties?.status.enum).toEqual(['pending', 'succeeded', 'failed']);
    expect(Object.keys(delivery.properties ?? {})).toEqual(expect.arrayContaining(['eventId', 'attempts', 'lastStatusCode', 'lastResponseBody', 'nextAttemptAt']));
    expect(resolve(schemaOf(`${W}/{id}/deliveries/{deliveryId}/redeliver`, 'post', '202')).properties).toHaveProperty('deliveryId');

    const expected: Array<[string, string, string[]]> = [
      [W, 'post', ['400', '403', '422']],
      [W, 'get', ['403']],
      [`${W}/{id}`, 'get', ['403', '404']],
      [`${W}/{id}`, 'patch', ['400', '403', '404', '422']],
      [`${W}/{id}`, 'delete', ['403', '404']],
      [`${W}/{id}/rotate-secret`, 'post', ['403', '404']],
      [`${W}/{id}/ping`, 'post', ['403', '404', '409']],
      [`${W}/{id}/deliveries`, 'get', ['400', '403', '404']],
      [`${W}/{id}/deliveries/{deliveryId}/redeliver`, 'post', ['403', '404', '409']],
    ];
    for (const [path, method, statuses] of expected) {
      for (const status of statuses) {
        const body = problem(path, method, status);
        expect(Object.keys(body.properties ?? {})).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail', 'errors']));
      }
    }
  });

  it('documents POST /exports/{id}/resend: its answer, 404 and 409', () => {
    const path = '/api/v1/exports/{id}/resend';
    expect(Object.keys(resolve(schemaOf(path, 'post', '202')).properties ?? {}).sort()).toEqual(['deliveries', 'eventId']);
    expect(problem(path, 'post', '404').properties).toHaveProperty('status');
    expect(doc.paths[path].post.responses['409'].description).toMatch(/succeeded|expired/);
  });

  it('describes each event body as WebhookEvent_<type> and the signature headers', () => {
    const schemas = doc.components.schemas;
    for (const type of ['job.succeeded', 'job.failed', 'job.cancelled', 'export.ready', 'import.completed', 'ping']) {
      const event = schemas[`WebhookEvent_${type}`];
      expect(event).toBeDefined();
      expect(Object.keys(event.properties ?? {}).sort()).toEqual(['data', 'timestamp', 'type']);
      expect(event.properties?.type.enum).toEqual([type]);
      expect(event.required).toEqual(expect.arrayContaining(['type', 'timestamp', 'data']));
      expect(event.description).toContain('WebhookDeliveryHeaders');
    }
    expect(resolve(schemas['WebhookEvent_job.failed'].properties?.data).properties).toHaveProperty('errorDetails');
    const ready = resolve(schemas['WebhookEvent_export.ready'].properties?.data);
    expect(Object.keys(ready.properties ?? {})).toEqual(expect.arrayContaining(['id', 'jobId', 'status', 'itemsCount', 'result', 'downloadUrl', 'downloadUrlExpiresAt']));
    expect(resolve(schemas['WebhookEvent_import.completed'].properties?.data).properties).toHaveProperty('batches');
    expect(resolve(schemas.WebhookEvent_ping.properties?.data).properties).toHaveProperty('webhookId');
    const headers = schemas.WebhookDeliveryHeaders;
    expect(Object.keys(headers.properties ?? {}).sort()).toEqual(['webhook-id', 'webhook-signature', 'webhook-timestamp']);
    expect(headers.properties?.['webhook-signature'].description).toMatch(/HMAC-SHA256/);
  });
});
