import type { ImportTypeDefinition } from '../public/dependencies/import-processor.dependency';
import { ImportFormat } from '../public/enums/import-format';
import { jsonlKeyPosition } from './column-resolution';
import { JsonlKeysApplied, MAX_LISTED_JSONL_KEYS } from './jsonl-keys-applied';

const TYPE: ImportTypeDefinition = {
  type: 'people',
  formats: [ImportFormat.Jsonl],
  columns: [
    { name: 'email', type: 'string', required: true },
    { name: 'first_name', type: 'string', required: true, aliases: ['Given name'] },
    { name: 'notes', type: 'string' },
  ],
  uniqueKey: ['email'],
  chunkSize: 10,
};
const COLUMNS = TYPE.columns.map((c) => c.name);

describe('the keys a JSONL file applied (its column mapping)', () => {
  it("places keys as jsonlKeyPosition does, and lists each key placed → its column, through the upload's mapping, names and aliases", () => {
    const mapping = { Prenom: 'first_name', Courriel: 'email', Remarques: null, Absent: 'notes' };
    const position = jsonlKeyPosition(TYPE, mapping);
    const keys = new JsonlKeysApplied(COLUMNS, position);
    const used = ['Prenom', 'Courriel', 'Remarques', 'shoe', 'Prenom', 'NOTES', 'Given name', 'email', 'shoe'];
    expect(used.map((key) => keys.place(key))).toEqual(used.map(position));
    expect(keys.toRecord()).toEqual({ Prenom: 'first_name', Courriel: 'email', Remarques: null, NOTES: 'notes', 'Given name': 'first_name', email: 'email' });
  });

  it(`remembers and lists at most ${MAX_LISTED_JSONL_KEYS} keys, and still places the ones past them`, () => {
    const keys = new JsonlKeysApplied(COLUMNS, jsonlKeyPosition(TYPE, null));
    for (let i = 0; i < 300; i++) expect(keys.place(`e${'_'.repeat(i)}mail`)).toBe(0);
    const listed = keys.toRecord();
    expect(Object.keys(listed)).toHaveLength(MAX_LISTED_JSONL_KEYS);
    expect(Object.values(listed).every((c) => c === 'email')).toBe(true);
  });
});
