import { consoleAsJsonLines } from './console-as-json';

describe('consoleAsJsonLines', () => {
  const saved = { error: console.error, warn: console.warn, info: console.info, log: console.log };
  afterEach(() => Object.assign(console, saved));

  it("turns a library's console output, a multi-line Error included, into one JSON line each", () => {
    const lines: string[] = [];
    consoleAsJsonLines((line) => lines.push(line));
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6399'), { code: 'ECONNREFUSED' });
    console.error(error);
    console.warn('queue %s slow', 'exports');
    expect(lines).toHaveLength(2);
    expect(lines.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(true);
    const [first, second] = lines.map((line) => JSON.parse(line));
    expect(first).toMatchObject({ level: 50, service: 'porter', pid: process.pid, context: 'console' });
    expect(first.msg).toContain('Error: connect ECONNREFUSED 127.0.0.1:6399');
    expect(first.msg).toContain("code: 'ECONNREFUSED'");
    expect(second).toMatchObject({ level: 40, msg: 'queue exports slow' });
  });
});
