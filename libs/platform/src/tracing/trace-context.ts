export { tracingActive } from './tracing-state';
import { tracingActive } from './tracing-state';
import { context, INVALID_SPAN_CONTEXT, propagation, ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

/**
 * Trace context carried with work that crosses processes (ADR 049): a job stores the W3C
 * `traceparent` (and `tracestate`) of the request that submitted it, and its runs continue that
 * trace in the worker. Without tracing these are no-ops that return null / run `work` as is.
 */
export type StoredTraceContext = Record<string, string>;

const tracer = () => trace.getTracer('porter');

/** The active trace context as a W3C carrier, or null when no span is recording. */
export function currentTraceContext(): StoredTraceContext | null {
  const span = trace.getActiveSpan();
  if (!span || !span.isRecording()) return null;
  const carrier: StoredTraceContext = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? carrier : null;
}

/** Runs `work` in a span named `name` whose parent is the stored context (a new trace without one). */
export async function inStoredTraceContext<T>(
  stored: StoredTraceContext | null | undefined,
  name: string,
  attributes: Record<string, string | number | boolean>,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = stored?.traceparent ? propagation.extract(ROOT_CONTEXT, stored) : ROOT_CONTEXT;
  return tracer().startActiveSpan(name, { kind: SpanKind.CONSUMER, attributes }, parent, (span) => finishing(span, work));
}

/**
 * Runs `work` in a span for a batch of items that each carry a stored context (the outbox relay
 * moving several jobs' wake-ups): the first traced item's trace is the parent, so a lone request
 * stays one trace from API to worker; the other items are linked.
 */
export async function inBatchSpan<T>(
  name: string,
  stored: Array<StoredTraceContext | null | undefined>,
  attributes: Record<string, string | number | boolean>,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  if (!tracingActive()) return work(trace.wrapSpanContext(INVALID_SPAN_CONTEXT));
  const contexts = stored.filter((c): c is StoredTraceContext => Boolean(c?.traceparent)).map((c) => propagation.extract(ROOT_CONTEXT, c));
  const parent = contexts[0] ?? ROOT_CONTEXT;
  const links = contexts.slice(1).flatMap((c) => {
    const spanContext = trace.getSpanContext(c);
    return spanContext ? [{ context: spanContext }] : [];
  });
  return tracer().startActiveSpan(name, { kind: SpanKind.PRODUCER, attributes, links }, parent, (span) => finishing(span, work));
}

/** Runs `work` in a child span of the active one (storage calls, relay batches). */
export async function inSpan<T>(name: string, attributes: Record<string, string | number | boolean>, work: (span: Span) => Promise<T>): Promise<T> {
  if (!trace.getActiveSpan()?.isRecording()) return work(trace.wrapSpanContext(INVALID_SPAN_CONTEXT));
  return tracer().startActiveSpan(name, { attributes }, (span) => finishing(span, work));
}

async function finishing<T>(span: Span, work: (span: Span) => Promise<T>): Promise<T> {
  try {
    return await work(span);
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}

/** `{ traceId, spanId }` of the active span for log lines, or {} outside one. */
export function traceLogFields(): { traceId?: string; spanId?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  return traceFlags & 1 ? { traceId, spanId } : {};
}
