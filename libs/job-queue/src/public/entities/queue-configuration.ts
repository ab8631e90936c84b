export interface QueueConfiguration {
  concurrency: number;
  pollingIntervalMs: number;
  purgeJobAgeMs: number;
  purgeIntervalMs: number;
}
