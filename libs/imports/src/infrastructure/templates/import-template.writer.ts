import { Injectable } from '@nestjs/common';
import * as yazl from 'yazl';
import type { ImportTemplateWriter } from '../../application/ports/import-template.port';
import { ImportFormat } from '../../public/enums/import-format';

/** Template files: small, built in memory. */
@Injectable()
export class FileImportTemplateWriter implements ImportTemplateWriter {
  async write(format: ImportFormat, columns: readonly string[], sheetName: string): Promise<Buffer> {
    switch (format) {
      case ImportFormat.Csv:
        // With a BOM, like the failed-rows file, so a spreadsheet opens it as UTF-8.
        return Buffer.from(`\uFEFF${columns.map(csvField).join(',')}\r\n`, 'utf8');
      case ImportFormat.Jsonl:
        return Buffer.from(`${JSON.stringify(Object.fromEntries(columns.map((c) => [c, null])))}\n`, 'utf8');
      case ImportFormat.Xlsx:
        return xlsxWithHeader(columns, sheetName);
    }
  }
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** "A", ..., "Z", "AA", ... for a 0-based column index. */
function columnName(index: number): string {
  let name = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

/** The smallest package Excel, LibreOffice and Porter's reader open: one sheet, the header row as inline strings. */
async function xlsxWithHeader(columns: readonly string[], sheetName: string): Promise<Buffer> {
  const sheet = sheetName.replace(/[[\]:*?/\\]/g, '_').slice(0, 31) || 'Sheet1';
  const head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
  const main = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
  const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  const cells = columns.map((c, i) => `<c r="${columnName(i)}1" t="inlineStr"><is><t>${xml(c)}</t></is></c>`).join('');
  const parts: Array<[string, string]> = [
    [
      '[Content_Types].xml',
      `${head}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
    ],
    [
      '_rels/.rels',
      `${head}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    ],
    ['xl/workbook.xml', `${head}<workbook xmlns="${main}" xmlns:r="${rel}"><sheets><sheet name="${xml(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>`],
    [
      'xl/_rels/workbook.xml.rels',
      `${head}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
    ],
    ['xl/worksheets/sheet1.xml', `${head}<worksheet xmlns="${main}"><sheetData><row r="1">${cells}</row></sheetData></worksheet>`],
  ];
  const zip = new yazl.ZipFile();
  // A fixed date: the same type gives the same bytes.
  for (const [name, content] of parts) zip.addBuffer(Buffer.from(content, 'utf8'), name, { mtime: new Date(Date.UTC(2020, 0, 1)) });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
