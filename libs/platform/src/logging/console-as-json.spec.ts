import { consoleAsJsonLines } from './console-as-json';

describe('consoleAsJsonLines', () => {
  const saved = { error: console.error, warn: console.warn, info: console.info, log: console.log };
  let warningListeners: Array<(...args: unknown[]) => void>;
  beforeEach(() => (warningListeners = process.listeners('warning') as Array<(...args: unknown[]) => void>));
  afterEach(() => {
    Object.assign(console, saved);
    process.removeAllListeners('warning');
    for (const listener of warningListeners) process.on('warning', listener);
  });

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

  it('writes a process warning (the AWS SDK warns about Node versions) as ONE warn-level line, not an error', () => {
    // Node's own printer, as a process started without --no-warnings has it (jest may have removed it).
    process.removeAllListeners('warning');
    process.on('warning', (warning: Error) => console.error(`(node) ${warning.name}: ${warning.message}`));
    const lines: string[] = [];
    consoleAsJsonLines((line) => lines.push(line));
    // What process.emitWarning emits on the next tick (jest's sandboxed process does not forward it).
    const warning = Object.assign(new Error('The AWS SDK for JavaScript (v3) will no longer support Node.js v20'), { name: 'NodeVersionSupportWarning', code: 'SDK_NODE' });
    process.emit('warning', warning);
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ level: 40, context: 'process', code: 'SDK_NODE', msg: expect.stringContaining('NodeVersionSupportWarning: The AWS SDK') }),
    ]);
  });
});
