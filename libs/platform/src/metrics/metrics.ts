import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * One registry per process, with Node's default metrics. Modules add their own metrics with
 * `metric(...)`, which returns the existing instance when the name is already registered
 * (tests create several Nest apps in one process).
 */
export const metricsRegistry = new Registry();
let defaultsCollected = false;

export function collectProcessMetrics(processName: string): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  metricsRegistry.setDefaultLabels({ process: processName });
  collectDefaultMetrics({ register: metricsRegistry });
}

type MetricKind = 'counter' | 'gauge' | 'histogram';
type MetricOf<K extends MetricKind> = K extends 'counter' ? Counter : K extends 'gauge' ? Gauge : Histogram;

export function metric<K extends MetricKind>(
  kind: K,
  config: { name: string; help: string; labelNames?: string[]; buckets?: number[]; collect?: (this: MetricOf<K>) => void | Promise<void> },
): MetricOf<K> {
  const existing = metricsRegistry.getSingleMetric(config.name);
  if (existing) return existing as MetricOf<K>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const options = { ...config, registers: [metricsRegistry] } as any;
  const created = kind === 'counter' ? new Counter(options) : kind === 'gauge' ? new Gauge(options) : new Histogram(options);
  return created as MetricOf<K>;
}

/**
 * A Fastify onResponse hook recording every answer in an HTTP duration histogram (streams and
 * downloads written on the raw response included: the hook runs when the response finishes).
 */
/**
 * The console's built files are one route each, named after their content hash: one label for all
 * of them (`/console/*`), or every deployment would add label values for good.
 */
export function metricsRoute(url: string | undefined): string | undefined {
  return url !== undefined && /^\/console(\/|$)/i.test(url) ? '/console/*' : url;
}

export function httpMetricsHook() {
  const histogram = metric('histogram', {
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  return (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
    // The matched route pattern keeps label cardinality bounded (ids are not labels).
    const route = request.is404 ? undefined : metricsRoute(request.routeOptions.url);
    histogram.observe({ method: request.raw.method, route: route ?? 'unmatched', status_code: String(reply.raw.statusCode) }, reply.elapsedTime / 1000);
    done();
  };
}
