import { ImportFormat } from '../public/enums/import-format';

/**
 * What an upload says it is: its file name's extension and its multipart part's Content-Type.
 * Each declaration that makes a claim must agree with the format sniffed from the content
 * (ASVS v5 file handling: the declared type and the content match). A generic declaration
 * (no extension, an unknown one, `application/octet-stream`) claims nothing.
 */
export interface DeclaredFileType {
  fileName: string | null;
  contentType: string | null;
}

type Claim = { says: string; formats: ReadonlySet<ImportFormat> };

const CSV = new Set([ImportFormat.Csv]);
const XLSX = new Set([ImportFormat.Xlsx]);
const JSONL = new Set([ImportFormat.Jsonl]);
const TEXT = new Set([ImportFormat.Csv, ImportFormat.Jsonl]);
const NONE = new Set<ImportFormat>();

const EXTENSIONS: Readonly<Record<string, ReadonlySet<ImportFormat>>> = {
  csv: CSV,
  txt: TEXT,
  xlsx: XLSX,
  jsonl: JSONL,
  ndjson: JSONL,
  // Types Porter does not read: a file named so must not be read as something else.
  tsv: NONE,
  xls: NONE,
  xlsm: NONE,
  ods: NONE,
  json: NONE,
  xml: NONE,
  pdf: NONE,
  // An XLSX workbook is a zip archive: the content check then says whether it is a workbook.
  zip: XLSX,
  gz: NONE,
  png: NONE,
  jpg: NONE,
  jpeg: NONE,
  gif: NONE,
  exe: NONE,
  html: NONE,
  htm: NONE,
  doc: NONE,
  docx: NONE,
};

const MEDIA_TYPES: Readonly<Record<string, ReadonlySet<ImportFormat>>> = {
  'text/csv': CSV,
  'application/csv': CSV,
  'text/comma-separated-values': CSV,
  // Browsers on Windows send this for .csv when Excel is installed; a legacy .xls body is refused by the sniffer.
  'application/vnd.ms-excel': CSV,
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': XLSX,
  'application/x-ndjson': JSONL,
  'application/jsonl': JSONL,
  'application/json-lines': JSONL,
  'application/x-jsonlines': JSONL,
  'text/plain': TEXT,
};

/** Media types that say nothing about the bytes. */
const GENERIC = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'application/unknown']);

function extensionClaim(fileName: string | null): Claim | null {
  const match = fileName ? /\.([A-Za-z0-9]{1,10})$/.exec(fileName.trim()) : null;
  if (!match) return null;
  const extension = match[1].toLowerCase();
  const formats = EXTENSIONS[extension];
  return formats ? { says: `the file name extension ".${extension}"`, formats } : null;
}

function mediaTypeClaim(contentType: string | null): Claim | null {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (GENERIC.has(type)) return null;
  return { says: `the part's Content-Type "${type.slice(0, 100)}"`, formats: MEDIA_TYPES[type] ?? NONE };
}

const NAMES: Record<ImportFormat, string> = {
  [ImportFormat.Csv]: 'CSV',
  [ImportFormat.Xlsx]: 'XLSX',
  [ImportFormat.Jsonl]: 'JSONL',
};

/** Why the declaration disagrees with the detected format, or null when it agrees (or claims nothing). */
export function declaredTypeMismatch(declared: DeclaredFileType, detected: ImportFormat): string | null {
  for (const claim of [extensionClaim(declared.fileName), mediaTypeClaim(declared.contentType)]) {
    if (!claim || claim.formats.has(detected)) continue;
    const expected = claim.formats.size ? [...claim.formats].map((f) => NAMES[f]).join(' or ') : 'a type Porter does not import';
    return `${claim.says} declares ${expected}, but the content is ${NAMES[detected]}`;
  }
  return null;
}
