/**
 * Limits that keep a hostile file from exhausting memory or time. Every parser enforces them
 * while streaming; none needs the whole file in memory to do so.
 */
export interface ImportLimits {
  /** Longest CSV record / JSONL line, in bytes. */
  maxRecordBytes: number;
  /** Most fields in a record (CSV), cells in a row (XLSX), keys in an object (JSONL). */
  maxColumns: number;
  /** Deepest JSON nesting accepted on a JSONL line (objects and arrays). */
  maxJsonDepth: number;
  /** XLSX: most zip entries, most decompressed bytes in total, and per part. */
  maxZipEntries: number;
  maxUncompressedBytes: number;
  maxPartBytes: number;
  /** XLSX: highest decompressed/compressed ratio of one part (zip bombs reach 1000+). */
  maxCompressionRatio: number;
  /** XLSX: most cells read from the sheet, most shared strings kept. */
  maxCells: number;
  maxSharedStrings: number;
  /**
   * XLSX: most memory the shared-strings table (held for the whole sheet) may take, estimated as
   * 2 bytes per character (UTF-16, the worst case) plus 32 bytes per string (measured on Node 20:
   * 28-30 bytes of string header and array slot). Counting characters alone would let millions of
   * short strings through; counting strings alone, a few huge ones.
   */
  maxSharedStringBytes: number;
  /** Longest single cell value, in characters. */
  maxCellChars: number;
  /**
   * XLSX: most characters of an XML part between two things its parser reports (a tag, a text, a
   * comment): saxes holds a text node, an attribute value or a comment whole before reporting it,
   * so one huge value would be in memory before any other limit could see it.
   */
  maxXmlRunChars: number;
  /**
   * XLSX, set for a quick look only (the upload's header check, ReadOptions.xmlPartBytes): the
   * most bytes inflated from one XML part before the look gives up (the worker reads it all).
   */
  quickLookPartBytes?: number;
}

export const DEFAULT_IMPORT_LIMITS: ImportLimits = {
  maxRecordBytes: 1024 * 1024,
  maxColumns: 256,
  maxJsonDepth: 16,
  maxZipEntries: 1000,
  maxUncompressedBytes: 1024 * 1024 * 1024,
  maxPartBytes: 512 * 1024 * 1024,
  maxCompressionRatio: 200,
  maxCells: 50_000_000,
  maxSharedStrings: 5_000_000,
  maxSharedStringBytes: 64 * 1024 * 1024,
  maxCellChars: 32_767,
  // A cell's 32,767 characters escaped (`&#x1F600;` is 9 characters for 2) stay far below it.
  maxXmlRunChars: 1024 * 1024,
};

/** The limits in force (DEFAULT_IMPORT_LIMITS), as the imports module provides them. */
export const IMPORT_LIMITS = Symbol('IMPORT_LIMITS');
