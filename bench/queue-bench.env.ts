/**
 * Imported first by queue.bench.ts: the platform validates the environment when its module is
 * loaded, so the benchmark's throwaway database and queue prefix must be set before that.
 */
const runId = process.env.BENCH_RUN_ID ?? Date.now().toString(36);
const server = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/porter');
server.pathname = `/porter_bench_${runId}`;
Object.assign(process.env, {
  BENCH_RUN_ID: runId,
  DATABASE_URL: server.toString(),
  QUEUE_PREFIX: `porter_bench_${runId}`,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
  STORAGE_DIR: process.env.STORAGE_DIR ?? `/tmp/porter-bench-${runId}`,
});

export const BENCH_RUN_ID = runId;
