import { randomUUID } from 'crypto';
import { bearer } from '../../support/int-app';
import { EMPLOYEE_HEADER, employeeRow, importProcesses, importsClient, withDb } from './import-support';

async function employees(tenant: string): Promise<Record<string, { last_name: string; department: string | null; scope_id: string | null; notes: string | null }>> {
  return withDb(async (db) => {
    const { rows } = await db.query('SELECT email, last_name, department, scope_id, notes FROM directory.employee WHERE tenant = $1', [tenant]);
    return Object.fromEntries(rows.map(({ email, ...rest }) => [email, rest]));
  });
}

const jsonl = (lines: object[]) => `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;

/** How the employees host upserts: the scope rule on existing employees, duplicate emails. */
describe('imports: employees upsert rules', () => {
  const api = importProcesses();

  it('a non-admin updates only employees of scopes it holds, and a new employee needs one of its scopes', async () => {
    const tenant = `t-${randomUUID()}`;
    const admin = importsClient(api.baseUrl, bearer('root', tenant, { admin: true }));
    const alice = importsClient(api.baseUrl, bearer('alice', tenant, { scopes: ['north'] }));
    const seeded = await admin.importFile(
      [EMPLOYEE_HEADER, employeeRow(1, { scope_id: 'south' }), employeeRow(2, { scope_id: 'north' }), employeeRow(3, { scope_id: '' }), employeeRow(4, { scope_id: 'south' })].join('\n'),
    );
    expect(seeded.batch.status).toBe('completed');
    const before = await employees(tenant);

    // JSONL: keys left out are kept, so a line without scope_id must not reach another scope's employee.
    const { recordId, batch } = await alice.importFile(
      jsonl([
        { first_name: 'F', last_name: 'Hacked', email: 'person1@example.com' },
        { first_name: 'F', last_name: 'Pulled', email: 'person4@example.com', scope_id: 'north' },
        { first_name: 'F', last_name: 'Updated', email: 'person2@example.com' },
        { first_name: 'F', last_name: 'Hacked', email: 'person3@example.com' },
        { first_name: 'F', last_name: 'New', email: 'new@example.com' },
        { first_name: 'F', last_name: 'Fresh', email: 'fresh@example.com', scope_id: 'north' },
      ]),
      'alice.jsonl',
    );
    expect(batch).toMatchObject({ status: 'partially_failed', counts: { total: 6, completed: 2, failed: 4 } });
    const failed = await alice.results(recordId, batch.id, '?status=failed');
    const outOfScope = 'the employee with this email is in a scope you do not hold (rule: scope held by the importer)';
    expect(failed.items.map((r: any) => [r.rowNumber, r.failureDetails])).toEqual([
      [1, outOfScope],
      [2, outOfScope],
      [4, outOfScope],
      [5, 'column "scope_id": a new employee needs one of your operational scopes (rule: scope held by the importer)'],
    ]);
    // CSV: an empty scope_id from a non-admin keeps the employee's scope.
    const csv = await alice.importFile([EMPLOYEE_HEADER, employeeRow(2, { scope_id: '', last_name: 'FromCsv' }), employeeRow(1, { scope_id: '', last_name: 'FromCsv' })].join('\n'));
    expect(csv.batch).toMatchObject({ status: 'partially_failed', counts: { total: 2, completed: 1, failed: 1 } });

    const after = await employees(tenant);
    expect(after['person1@example.com']).toEqual(before['person1@example.com']);
    expect(after['person3@example.com']).toEqual(before['person3@example.com']);
    expect(after['person4@example.com']).toEqual(before['person4@example.com']);
    expect(after['person2@example.com']).toMatchObject({ last_name: 'FromCsv', scope_id: 'north' });
    expect(after['fresh@example.com']).toMatchObject({ last_name: 'Fresh', scope_id: 'north' });
    expect(after['new@example.com']).toBeUndefined();
  });

  it('JSONL lines with the same email in one chunk apply in row order: an earlier line\'s keys are kept unless a later one sets them', async () => {
    const tenant = `t-${randomUUID()}`;
    const admin = importsClient(api.baseUrl, bearer('root', tenant, { admin: true }));
    const seeded = await admin.importFile(jsonl([{ first_name: 'Old', last_name: 'Existing', email: 'old@example.com', department: 'Sales', notes: 'keep' }]), 'seed.jsonl');
    expect(seeded.batch.status).toBe('completed');

    const { recordId, batch } = await admin.importFile(
      jsonl([
        { first_name: 'New', last_name: 'One', email: 'new@example.com', department: 'Research', notes: 'first' },
        { first_name: 'Old', last_name: 'Existing', email: 'old@example.com', department: 'Navy' },
        { first_name: 'New', last_name: 'Two', email: 'new@example.com', notes: 'second' },
        { first_name: 'Old', last_name: 'Existing', email: 'old@example.com', notes: null, scope_id: 'south' },
      ]),
      'dups.jsonl',
    );
    expect(batch).toMatchObject({ status: 'completed', counts: { total: 4, completed: 4, failed: 0 } });
    const after = await employees(tenant);
    expect(after['new@example.com']).toEqual({ last_name: 'Two', department: 'Research', scope_id: null, notes: 'second' });
    expect(after['old@example.com']).toEqual({ last_name: 'Existing', department: 'Navy', scope_id: 'south', notes: null });
    const results = (await admin.results(recordId, batch.id)).items;
    expect(results[0].referenceId).toBe(results[2].referenceId);
    expect(results[1].referenceId).toBe(results[3].referenceId);
  });

  it('a retried JSONL row keeps the keys it left out absent: the employee\'s other columns are unchanged', async () => {
    const tenant = `t-${randomUUID()}`;
    const admin = importsClient(api.baseUrl, bearer('root', tenant, { admin: true }));
    const alice = importsClient(api.baseUrl, bearer('alice', tenant, { scopes: ['north'] }));
    const seeded = await admin.importFile(
      jsonl([{ first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', department: 'Sales', notes: 'keep', scope_id: 'north' }]),
      'seed.jsonl',
    );
    expect(seeded.batch.status).toBe('completed');

    // alice does not hold "south": the line fails at the host, and its cells are stored for a retry.
    const { recordId, batch } = await alice.importFile(jsonl([{ first_name: 'Ada', last_name: 'King', email: 'ada@example.com', scope_id: 'south' }]), 'move.jsonl');
    expect(batch).toMatchObject({ status: 'failed', counts: { total: 1, failed: 1 } });
    const file = await alice.call('GET', `/api/v1/imports/${recordId}/batches/${batch.id}/failed-rows`);
    expect(file.status).toBe(200);
    expect(file.text).toContain('King');
    expect(file.text).not.toContain('$absent');

    const retry = await admin.call('POST', `/api/v1/imports/${recordId}/batches/${batch.id}/retry-failed-rows`);
    expect(retry.status).toBe(202);
    expect(await admin.waitForBatch(recordId, batch.id)).toMatchObject({ status: 'completed', counts: { total: 1, completed: 1 } });
    expect((await employees(tenant))['ada@example.com']).toEqual({ last_name: 'King', department: 'Sales', scope_id: 'south', notes: 'keep' });
  });
});
