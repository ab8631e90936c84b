import { displayWidth, fit, oneLine, table } from './table';

describe('table (porter jobs ls)', () => {
  it('aligns columns two spaces apart with no trailing spaces', () => {
    expect(table([['ID', 'NAME', 'STATUS'], ['a1', 'nightly', 'running'], ['b22', 'x', '']])).toEqual(['ID   NAME     STATUS', 'a1   nightly  running', 'b22  x']);
  });

  it('a name with tabs, line breaks or escape codes stays on its row', () => {
    const lines = table([['NAME', 'STATUS'], ['Q3\texport\nfor\r\nfinance\u001b[31m', 'succeeded']]);
    expect(lines).toEqual([`NAME${' '.repeat(21)}  STATUS`, 'Q3 export for finance[31m  succeeded']);
    expect(lines.every((line) => !/[\u0000-\u001f]/.test(line))).toBe(true);
  });

  it('a long name is cut at its column width with "…", so the status stays in view', () => {
    const lines = table([['NAME', 'STATUS'], ['Quarterly'.repeat(25), 'failed']], [40]);
    expect(lines[1]).toBe(`${'Quarterly'.repeat(4)}Qua…  failed`);
    expect(displayWidth(lines[1].split('  ')[0])).toBe(40);
  });

  it('pads by the columns a cell takes on screen: CJK takes two, combining marks none', () => {
    const lines = table([['NAME', 'STATUS'], ['日本語', 'ok'], ['Cafe\u0301', 'ok']]);
    expect(lines).toEqual(['NAME    STATUS', '日本語  ok', 'Cafe\u0301    ok']);
    expect(fit('日本語のエクスポート', 7)).toBe('日本語…');
    expect(displayWidth(fit('日本語のエクスポート', 7))).toBe(7);
    expect(oneLine('  a \n b  ')).toBe('a b');
  });
});
