import { randomUUID } from 'crypto';
import { bearer } from '../../support/int-app';
import { employeesCsv, importProcesses, importsClient } from './import-support';

/** DELETE /imports/{id}: a record without batches (made for an upload that was refused) can go; one with batches stays. */
describe('imports: deleting a record without batches', () => {
  const api = importProcesses();

  it('deletes a record whose only upload was refused: 204, then 404 and gone from the list', async () => {
    const tenant = `t-${randomUUID()}`;
    const c = importsClient(api.baseUrl, bearer('alice', tenant, { scopes: ['north'] }));
    const recordId = await c.createRecord();
    const refused = await c.upload(recordId, Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x00]), 'binary.csv');
    expect(refused.status).toBe(415);
    expect((await c.call('GET', `/api/v1/imports/${recordId}`)).json).toMatchObject({ status: 'created', batches: [] });

    const deleted = await c.call('DELETE', `/api/v1/imports/${recordId}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect((await c.call('GET', `/api/v1/imports/${recordId}`)).status).toBe(404);
    expect((await c.call('GET', '/api/v1/imports')).json.totalRecords).toBe(0);
    expect((await c.call('DELETE', `/api/v1/imports/${recordId}`)).status).toBe(404);
  });

  it('keeps a record that has a batch (409, naming why), and another tenant gets 404', async () => {
    const tenant = `t-${randomUUID()}`;
    const c = importsClient(api.baseUrl, bearer('alice', tenant, { scopes: ['north'] }));
    const { recordId } = await c.importFile(employeesCsv(2));
    const refused = await c.call('DELETE', `/api/v1/imports/${recordId}`);
    expect(refused.status).toBe(409);
    expect(refused.json).toMatchObject({ status: 409, detail: expect.stringContaining('has 1 batch: only a record without batches can be deleted') });
    expect((await c.call('GET', `/api/v1/imports/${recordId}`)).json.batches).toHaveLength(1);

    const empty = await c.createRecord();
    const intruder = importsClient(api.baseUrl, bearer('mallory', `t-${randomUUID()}`, { scopes: ['north'] }));
    expect((await intruder.call('DELETE', `/api/v1/imports/${empty}`)).status).toBe(404);
    expect((await c.call('GET', `/api/v1/imports/${empty}`)).status).toBe(200);
    expect((await c.call('DELETE', `/api/v1/imports/not-a-uuid`)).status).toBe(404);
  });
});
