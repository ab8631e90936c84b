import { progressLine } from './terminal';

describe('progressLine (progress without a bar)', () => {
  it('shows the status, whole ten percent and the counts when the total is known', () => {
    expect(progressLine('export employees', 'rows', 47.5, 1425, 3000, 'running')).toEqual({ line: 'export employees: running 40% (1425/3000)', key: 'running|40%' });
    expect(progressLine('upload a.csv', 'bytes', 100, 10, 10, 'uploaded').line).toBe('upload a.csv: uploaded 100% (10/10)');
  });

  it('with no total: the count with its unit, or the status alone before the first item', () => {
    expect(progressLine('export employees', 'rows', null, 0, null, 'running')).toEqual({ line: 'export employees: running', key: 'running|0' });
    expect(progressLine('export employees', 'rows', null, 1200, null, 'running').line).toBe('export employees: running, 1200 rows so far');
    expect(progressLine('job 1f2e3d4c', 'items', null, 0, null, 'pending').line).toBe('job 1f2e3d4c: pending');
    expect(progressLine('job 1f2e3d4c', 'items', null, 3, null).line).toBe('job 1f2e3d4c: 3 items so far');
  });
});
