/**
 * `@porter/platform/tracing`: starts OpenTelemetry tracing in a Porter process (ADR 049). It is
 * the FIRST import of apps/api and apps/worker main.ts, before anything loads `http`, `pg` or
 * `ioredis`, because the instrumentations patch those modules as they load. It imports nothing
 * of Porter's and reads its settings from the environment itself (the config module loads later;
 * `loadConfig` validates the same variables and reports a bad one in its one line).
 *
 * Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (or OTEL_TRACES_EXPORTER=otlp with the SDK's
 * default endpoint): then nothing is patched and every span call is the API's no-op.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { markTracingActive } from './tracing-state';

// The SDK, exporter and instrumentations are loaded only when tracing starts: a process with
// tracing off (the default) does not carry them (about 10 MB of a worker's resident memory).
/* eslint-disable @typescript-eslint/no-require-imports */
const sdk = () => ({
  core: require('@opentelemetry/core') as typeof import('@opentelemetry/core'),
  instrumentation: require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation'),
  http: require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http'),
  pg: require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg'),
  ioredis: require('@opentelemetry/instrumentation-ioredis') as typeof import('@opentelemetry/instrumentation-ioredis'),
  otlp: require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http'),
  resources: require('@opentelemetry/resources') as typeof import('@opentelemetry/resources'),
  base: require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base'),
  node: require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node'),
});
/* eslint-enable @typescript-eslint/no-require-imports */

export interface TracingHandle {
  provider: NodeTracerProvider;
  /** Exports what is buffered and stops (graceful shutdown). */
  shutdown(): Promise<void>;
}

let started: TracingHandle | null = null;

export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_TRACES_EXPORTER === 'otlp');
}

/**
 * Starts tracing for `serviceName` when enabled (or when `exporter` is given: tests pass an
 * in-memory exporter). Idempotent. Health, metrics and console asset requests make no spans.
 */
export function startTracing(serviceName: string, options: { exporter?: SpanExporter; processor?: SpanProcessor } = {}): TracingHandle | null {
  if (started) return started;
  if (!options.exporter && !options.processor && !tracingEnabled()) return null;
  const { core, instrumentation, http, pg, ioredis, otlp, resources, base, node } = sdk();
  const processor = options.processor ?? new base.BatchSpanProcessor(options.exporter ?? new otlp.OTLPTraceExporter(), { scheduledDelayMillis: 500 });
  const provider = new node.NodeTracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': process.env.OTEL_SERVICE_NAME || serviceName, 'process.pid': process.pid }),
    spanProcessors: [processor],
  });
  provider.register({ propagator: new core.W3CTraceContextPropagator() });
  instrumentation.registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new http.HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => /^\/(metrics|api\/health|console)/.test(req.url ?? ''),
        // Outgoing HTTP (the OTLP exporter's own posts, webhooks) starts no trace of its own.
        requireParentforOutgoingSpans: true,
      }),
      new pg.PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
      new ioredis.IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  started = {
    provider,
    shutdown: async () => {
      await provider.shutdown().catch(() => undefined);
    },
  };
  markTracingActive(started.shutdown);
  return started;
}

export function tracingHandle(): TracingHandle | null {
  return started;
}

// Re-exported so callers need one import for the boot order and the API.
export { context, propagation, trace };
