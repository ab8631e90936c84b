import { jobNameProblem } from './job-name';

describe('jobNameProblem', () => {
  it('accepts printable names of any script up to 200 characters', () => {
    for (const name of ['Nightly export', 'Export für Müller (csv)', '月次エクスポート', 'a'.repeat(200), 'rapport 🚀']) expect(jobNameProblem(name)).toBeNull();
  });

  it('refuses control characters and bidirectional-text controls, which make a name display as another', () => {
    for (const name of ['bell\u0007', 'two\nlines', 'tab\there', 'del\u007f', 'csi\u009b31m']) expect(jobNameProblem(name)).toBe('must not contain control characters');
    for (const name of ['evil\u202efdp.exe', 'iso\u2066late\u2069', 'mark\u200f']) expect(jobNameProblem(name)).toBe('must not contain bidirectional-text controls');
    expect(jobNameProblem('half \ud83d')).toBe('must be valid Unicode (it holds a lone UTF-16 surrogate)');
    expect(jobNameProblem('a'.repeat(201))).toBe('must be at most 200 characters');
  });
});
