import { readFileSync } from 'fs';
import * as path from 'path';
import * as api from './index';

/**
 * ARCHITECTURE rule 1 and ADR 001: `@porter/job-queue` is the Nest modules, `public/**` and the
 * migrations list, nothing else (the runner, reconciler, purge and relay stay behind the modules).
 */
describe('@porter/job-queue index', () => {
  const source = readFileSync(path.join(__dirname, 'index.ts'), 'utf8');

  it('re-exports only the Nest modules (the test-support one included), public/** and the migrations', () => {
    const specifiers = [...source.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]);
    expect(specifiers.length).toBeGreaterThan(0);
    const allowed = /^\.\/(public\/.+|job-queue\.module|job-queue\.worker-module|test-support\/job-queue-test-support\.module|infrastructure\/migrations)$/;
    expect(specifiers.filter((s) => !allowed.test(s))).toEqual([]);
    // only statements that re-export (an import would let internals leak through a local export)
    expect(source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '').match(/^\s*import\b/m)).toBeNull();
  });

  it('exposes the modules and contracts, and no internal service or queue constant', () => {
    expect(Object.keys(api)).toEqual(expect.arrayContaining(['JobQueueModule', 'JobQueueWorkerModule', 'JobQueueTestSupportModule', 'jobQueueMigrations', 'SubmitJobCommand', 'JobQueueName']));
    for (const internal of ['JobRunner', 'JobReconciler', 'JobPurgeService', 'OutboxRelay', 'JobRunStore', 'JOBS_QUEUE', 'JOB_QUEUE_NAME', 'JOB_MAINTENANCE_QUEUE_NAME', 'TEST_JOB_TYPES', 'TestJobsController']) {
      expect(Object.keys(api)).not.toContain(internal);
    }
  });
});
