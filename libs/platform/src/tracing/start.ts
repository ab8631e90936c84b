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
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { markTracingActive } from './tracing-state';

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
  const processor = options.processor ?? new BatchSpanProcessor(options.exporter ?? new OTLPTraceExporter(), { scheduledDelayMillis: 500 });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': process.env.OTEL_SERVICE_NAME || serviceName, 'process.pid': process.pid }),
    spanProcessors: [processor],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => /^\/(metrics|api\/health|console)/.test(req.url ?? ''),
        // Outgoing HTTP (the OTLP exporter's own posts, webhooks) starts no trace of its own.
        requireParentforOutgoingSpans: true,
      }),
      new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
      new IORedisInstrumentation({ requireParentSpan: true }),
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
