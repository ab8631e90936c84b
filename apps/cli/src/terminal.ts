import { SingleBar } from 'cli-progress';
import { createInterface } from 'readline';
import { Problem } from './errors';

/** How a command talks: a JSON document for scripts, text (and bars on a terminal) for people. */
export class Output {
  readonly bars: boolean;

  constructor(readonly json: boolean) {
    this.bars = !json && process.stdout.isTTY === true;
  }

  /** The command's result: JSON as is, or the human text. */
  result(value: unknown, human: () => string | string[]): void {
    if (this.json) {
      process.stdout.write(JSON.stringify(value, null, 2) + '\n');
      return;
    }
    const text = human();
    const lines = Array.isArray(text) ? text : [text];
    if (lines.length) process.stdout.write(lines.join('\n') + '\n');
  }

  /** A progress note when there is no bar (never in JSON mode: stdout is the document). */
  note(line: string): void {
    if (!this.json) process.stderr.write(line + '\n');
  }

  error(message: string, problem?: Problem): void {
    if (this.json) process.stdout.write(JSON.stringify({ error: problem ?? { title: message } }, null, 2) + '\n');
    process.stderr.write(`porter: ${message}\n`);
    if (problem?.errors?.length) for (const e of problem.errors) process.stderr.write(`  ${e.path}: ${e.message}\n`);
  }

  /** A bar on a terminal; on anything else a line per change of what it shows. */
  progress(label: string, unit: string): Progress {
    return this.bars ? new TerminalBar(label, unit) : new ProgressLines(label, unit, this);
  }
}

export interface Progress {
  /** percent 0..100 (null: unknown), with the counts shown beside it. */
  update(percent: number | null, done: number, total: number | null, state?: string): void;
  pause(): void;
  resume(): void;
  stop(): void;
}

class TerminalBar implements Progress {
  private readonly bar: SingleBar;
  private running = false;
  private last = { percent: 0, payload: { counts: '', state: '' } };

  constructor(label: string, private readonly unit: string) {
    this.bar = new SingleBar({
      format: `${label} [{bar}] {percentage}% {counts} {state}`,
      barCompleteChar: '█',
      barIncompleteChar: '░',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      barsize: 30,
    });
  }

  update(percent: number | null, done: number, total: number | null, state = ''): void {
    const counts = total !== null ? `${done.toLocaleString()}/${total.toLocaleString()} ${this.unit}` : `${done.toLocaleString()} ${this.unit}`;
    this.last = { percent: Math.floor(percent ?? 0), payload: { counts, state } };
    if (!this.running) return this.resume();
    this.bar.update(this.last.percent, this.last.payload);
  }

  pause(): void {
    if (!this.running) return;
    this.bar.stop();
    this.running = false;
  }

  resume(): void {
    if (this.running) return;
    this.bar.start(100, this.last.percent, this.last.payload);
    this.running = true;
  }

  stop(): void {
    this.pause();
  }
}

/**
 * One progress line without a bar: `export employees: running 40% (1200/3000)`; with no total,
 * the count with its unit (`running, 1200 rows so far`), or the status alone before the first.
 * `key` says when the line is worth printing again: a change of status or of whole ten percent.
 */
export function progressLine(label: string, unit: string, percent: number | null, done: number, total: number | null, state = ''): { line: string; key: string } {
  if (percent === null) {
    const count = done > 0 ? `${done} ${unit} so far` : '';
    const what = [state, count].filter(Boolean).join(', ') || 'started';
    return { line: `${label}: ${what}`, key: `${state}|${done}` };
  }
  const step = `${Math.floor(percent / 10) * 10}%`;
  return { line: `${label}: ${state ? `${state} ` : ''}${step}${total !== null ? ` (${done}/${total})` : ''}`, key: `${state}|${step}` };
}

class ProgressLines implements Progress {
  private shown = '';
  constructor(
    private readonly label: string,
    private readonly unit: string,
    private readonly out: Output,
  ) {}

  update(percent: number | null, done: number, total: number | null, state = ''): void {
    // Whole tens of percent only: a log, not a stream of redraws.
    const { line, key } = progressLine(this.label, this.unit, percent, done, total, state);
    if (key === this.shown) return;
    this.shown = key;
    this.out.note(line);
  }
  pause(): void {}
  resume(): void {}
  stop(): void {}
}

/** A yes/no question on the terminal (false without one). */
export async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.question(question, resolve);
      rl.once('SIGINT', () => resolve(''));
      rl.once('close', () => resolve(''));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit ? value.toFixed(1) : value} ${units[unit]}`;
}

/** An ISO time as `2026-12-07 05:00:00Z` (to the second); `-` for none. */
export function shortTime(iso: string | null | undefined): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-';
}
