import { randomUUID } from 'crypto';
import { STATUS_CODES } from 'http';
import type { Server } from 'http';
import type { Duplex } from 'stream';
import { problem } from './problem';

const DETAILS: Record<number, string> = {
  400: 'The request is not valid HTTP',
  408: 'The request was not received in time',
  431: 'The request headers are larger than the server accepts',
};

/**
 * Requests refused by Node's HTTP parser itself, before Porter sees them (headers over the size
 * limit, a malformed request line, a body that never arrives), are answered as every other refusal
 * is: a problem+json body with the same status Node would send (431, 400, 408), then the
 * connection is closed. Without it they were bare status lines with no body. Connections already
 * gone (ECONNRESET, unwritable) are dropped, as Node's default handler does.
 */
export function answerClientErrorsAsProblems(server: Server): void {
  server.on('clientError', clientErrorAsProblem);
}

/** The 'clientError' listener itself: the API gives it to Fastify (`clientErrorHandler`), which would otherwise add its own. */
export function clientErrorAsProblem(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  // Like every problem, with a request id: a new one (the request's own headers were never read).
  const requestId = randomUUID();
  const body = JSON.stringify({ ...problem(status, DETAILS[status]), requestId });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\nX-Request-Id: ${requestId}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
