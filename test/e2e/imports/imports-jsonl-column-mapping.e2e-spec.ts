import { randomUUID } from 'crypto';
import { bearer } from '../../support/int-app';
import { importProcesses, importsClient, withDb } from './import-support';

/**
 * A JSON Lines batch's `columnMapping` is the mapping its lines were read with, as a CSV batch's
 * is: each key the file's lines used → the column it fed (null: ignored). It listed the type's
 * columns mapped to themselves, whatever the upload's `mapping` said.
 */
describe('imports: a JSONL batch reports the column mapping it applied', () => {
  const api = importProcesses();

  async function upload(content: string, fileName: string, mapping: Record<string, string | null>, options: Record<string, unknown> = {}) {
    const tenant = `t-${randomUUID()}`;
    const authorization = bearer('alice', tenant, { admin: true });
    const c = importsClient(api.baseUrl, authorization);
    const recordId = await c.createRecord(options);
    const form = new FormData();
    form.append('mapping', JSON.stringify(mapping));
    form.append('file', new Blob([Buffer.from(content)]), fileName);
    const res = await fetch(`${api.baseUrl}/api/v1/imports/${recordId}/batches`, { method: 'POST', headers: { authorization }, body: form });
    expect(res.status).toBe(202);
    const up = (await res.json()) as { id: string };
    return { tenant, c, recordId, batch: await c.waitForBatch(recordId, up.id) };
  }

  it('lists each key of the lines → its column, like the same file as CSV', async () => {
    const mapping = { Prenom: 'first_name', Nom: 'last_name', Courriel: 'email', Remarques: null };
    const lines = [
      { Prenom: 'Ada', Nom: 'Lovelace', Courriel: 'ada@example.com', Remarques: 'ignored' },
      // A later line adds a key found by the column's alias; the mapping's keys need not all appear.
      { Prenom: 'Grace', Nom: 'Hopper', Courriel: 'grace@example.com', 'Hire date': '1943-01-01' },
    ];
    const jsonl = await upload(lines.map((l) => JSON.stringify(l)).join('\n') + '\n', 'people.jsonl', { ...mapping, Service: 'department' });
    const expected = { Prenom: 'first_name', Nom: 'last_name', Courriel: 'email', Remarques: null, 'Hire date': 'hired_at' };
    expect(jsonl.batch).toMatchObject({ format: 'jsonl', status: 'completed', counts: { completed: 2 }, mapping: { ...mapping, Service: 'department' } });
    expect(jsonl.batch.columnMapping).toEqual(expected);
    const rows = await withDb(
      async (db) => (await db.query('SELECT first_name, email, hired_at::text, notes FROM directory.employee WHERE tenant = $1 ORDER BY email', [jsonl.tenant])).rows,
    );
    expect(rows).toEqual([
      { first_name: 'Ada', email: 'ada@example.com', hired_at: null, notes: null },
      { first_name: 'Grace', email: 'grace@example.com', hired_at: '1943-01-01', notes: null },
    ]);
    // The GET of the record shows the same.
    const record = (await jsonl.c.call('GET', `/api/v1/imports/${jsonl.recordId}`)).json;
    expect(record.batches[0].columnMapping).toEqual(expected);

    const csv = await upload('Prenom,Nom,Courriel,Remarques,Hire date\nAda,Lovelace,ada@example.com,ignored,\n', 'people.csv', mapping);
    expect(csv.batch.columnMapping).toEqual(expected);
  });

  it('an aborted batch resumed by retry-failed-rows reports the keys of the whole file', async () => {
    const lines = ['{"Prenom":"Ada","Nom":"L","Courriel":"ada@example.com"}', '{"Prenom":"Bo","Nom":"B","Courriel":"not-an-email"}', '{"Prenom":"Cy","Nom":"C","Courriel":"cy@example.com","Dept":"R&D"}'];
    const mapping = { Prenom: 'first_name', Nom: 'last_name', Courriel: 'email', Dept: 'department' };
    const { c, recordId, batch } = await upload(`${lines.join('\n')}\n`, 'abort.jsonl', mapping, { onError: 'abort' });
    expect(batch).toMatchObject({ status: 'failed', counts: { total: 1, failed: 1 } });
    // Aborted by its validation pass at row 2: the keys read up to that row.
    expect(batch.columnMapping).toEqual({ Prenom: 'first_name', Nom: 'last_name', Courriel: 'email' });
    expect((await c.call('POST', `/api/v1/imports/${recordId}/batches/${batch.id}/retry-failed-rows`)).status).toBe(202);
    const resumed = await c.waitForBatch(recordId, batch.id);
    expect(resumed).toMatchObject({ status: 'partially_failed', counts: { total: 3, completed: 2, failed: 1 } });
    expect(resumed.columnMapping).toEqual({ Prenom: 'first_name', Nom: 'last_name', Courriel: 'email', Dept: 'department' });
  });
});
