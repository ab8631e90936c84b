import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { NextFunction, Request, Response } from 'express';

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

/** Express middleware recording every response in an HTTP duration histogram. */
export function httpMetricsMiddleware() {
  const histogram = metric('histogram', {
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  return (req: Request, res: Response, next: NextFunction) => {
    const end = histogram.startTimer();
    res.on('finish', () => {
      // The matched route pattern keeps label cardinality bounded (ids are not labels).
      const route = req.route?.path ? `${req.baseUrl ?? ''}${req.route.path}` : 'unmatched';
      end({ method: req.method, route, status_code: String(res.statusCode) });
    });
    next();
  };
}
