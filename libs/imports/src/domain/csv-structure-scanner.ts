import { CsvTokenizer, RecordDelimiter } from './csv-tokenizer';
import { ImportLimits } from './import-limits';

export type { RecordDelimiter };

/**
 * The structural pass over a whole CSV file BEFORE any row is written (ADR 030): UTF-8 validity,
 * quoting (unterminated quotes, stray quotes), record size and field count limits, the record
 * delimiter and the number of data rows. It is the row reader's own tokenizer with field
 * building switched off, so both passes apply exactly the same rules and messages; O(1) memory
 * (a 200 MB line is refused once `maxRecordBytes` bytes of it have been read).
 */
export class CsvStructureScanner {
  private readonly tokenizer: CsvTokenizer;

  constructor(limits: ImportLimits) {
    this.tokenizer = new CsvTokenizer(limits, { materialize: false });
  }

  push(chunk: Buffer): void {
    this.tokenizer.push(chunk);
  }

  /** Call at end of input; returns the number of data rows (records after the header). */
  end(): number {
    this.tokenizer.end();
    return this.tokenizer.dataRows;
  }

  /** Non-empty records seen (header included). */
  get records(): number {
    return this.tokenizer.records;
  }

  get delimiter(): RecordDelimiter | null {
    return this.tokenizer.delimiter;
  }

  get hasBom(): boolean {
    return this.tokenizer.hasBom;
  }
}
