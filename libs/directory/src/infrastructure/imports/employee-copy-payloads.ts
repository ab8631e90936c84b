import type { ImportRow } from '@porter/imports';
import { CopyBuffer, copyValue } from '@porter/platform';
import { UUID_TEXT_LENGTH, writeTimeOrderedId } from './time-ordered-id';

const TAB = 0x09;
const LF = 0x0a;
/** The employee columns an import writes, in the order of its COPY payloads. */
export const DATA_COLUMNS = ['first_name', 'last_name', 'email', 'department', 'salary', 'hired_at', 'active', 'scope_id', 'notes'] as const;
export type DataColumn = (typeof DATA_COLUMNS)[number];

/**
 * The COPY payload of new employees (`id, tenant` then DATA_COLUMNS), with their time-ordered ids
 * made here (see time-ordered-id.ts): the ids by email.
 */
export function newEmployeesCopy(tenant: string, rows: ImportRow[]): { payload: Buffer; ids: Map<string, string> } {
  const ids = new Map<string, string>();
  const out = new CopyBuffer(rows.length * 192);
  const prefix = copyValue(tenant);
  for (let k = 0; k < rows.length; k++) {
    const v = rows[k].values;
    out.reserve(UUID_TEXT_LENGTH);
    const idAt = out.length;
    writeTimeOrderedId(out.buffer, idAt);
    out.length += UUID_TEXT_LENGTH;
    ids.set(v.email as string, out.buffer.toString('latin1', idAt, idAt + UUID_TEXT_LENGTH));
    out.byte(TAB);
    out.raw(prefix);
    // Named loads, in DATA_COLUMNS order (a loop over the names would make every load a lookup).
    out.byte(TAB);
    out.value(v.first_name);
    out.byte(TAB);
    out.value(v.last_name);
    out.byte(TAB);
    out.value(v.email);
    out.byte(TAB);
    out.value(v.department);
    out.byte(TAB);
    out.value(v.salary);
    out.byte(TAB);
    out.value(v.hired_at);
    out.byte(TAB);
    out.byte(v.active === false ? 0x66 : 0x74); // absent or empty: true (the column default)
    out.byte(TAB);
    out.value(v.scope_id);
    out.byte(TAB);
    out.value(v.notes);
    out.byte(LF);
  }
  return { payload: out.view(), ids };
}

/** The COPY payload of rows to upsert (`ord` then DATA_COLUMNS) into the session's stage table. */
export function stagedRowsCopy(rows: ImportRow[]): Buffer {
  const out = new CopyBuffer(rows.length * 192);
  rows.forEach((row, ord) => {
    out.uint(ord);
    for (const column of DATA_COLUMNS) {
      out.byte(TAB);
      out.value(row.values[column]);
    }
    out.byte(LF);
  });
  return out.view();
}
