// First import of main.ts: tracing (when OTEL_EXPORTER_OTLP_ENDPOINT is set) patches http, pg
// and ioredis before anything loads them (ADR 049).
import { startTracing } from '@porter/platform/tracing';

startTracing('porter-worker');
