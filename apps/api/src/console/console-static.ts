import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import send from '@fastify/send';
import fastifyStatic from '@fastify/static';
import { json } from 'body-parser';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync } from 'fs';
import * as path from 'path';
import { MalformedPathHandler, problem, sendProblem } from '@porter/platform';

/**
 * The built console (dist/console, see apps/console and docs/adr/055-console-stack.md). Found by
 * walking up from this file to the directory holding package.json, so it works from the sources
 * (tests), from dist/ and in the image (/app), whatever the working directory.
 */
export function consoleDirectory(from = __dirname): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve('dist', 'console');
    dir = parent;
  }
  return path.join(dir, 'dist', 'console');
}

/**
 * Serves the console at /console without a token (the files are public; the console sends the
 * user's token on its API calls), and gives the development sign-in its JSON parser.
 */
export function serveConsole(app: NestFastifyApplication, dir = consoleDirectory()): void {
  // The development sign-in lives outside /api/v1 (that pipeline demands a token first), so it
  // gets its own small JSON parser (a middleware, like the pipeline's: Fastify parses no body).
  app.use('/api/dev/sign-in', json({ limit: 4096 }));
  void app.getHttpAdapter().getInstance().register(consoleFiles(dir));
}

/**
 * The console's files as a Fastify plugin (encapsulated: @fastify/static's `sendFile` stays its
 * own). Hashed assets are cached for good; index.html never is, and it answers every other GET
 * under /console so that client-side routes survive a reload.
 */
export function consoleFiles(dir: string) {
  const index = path.join(dir, 'index.html');
  return async (fastify: FastifyInstance): Promise<void> => {
    await fastify.register(fastifyStatic, {
      root: dir,
      prefix: '/console/',
      // One route per built file (they are built before the API starts): the fallback below
      // answers every other path.
      wildcard: false,
      index: false,
      redirect: false,
      setHeaders: (reply, file) => {
        reply.header('X-Content-Type-Options', 'nosniff');
        reply.header('Cache-Control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    const page = (request: FastifyRequest<{ Params: { '*'?: string } }>, reply: FastifyReply) => {
      const rest = request.params['*'] ?? '';
      if (/^assets\//.test(rest)) {
        // A console built after the API started (`npm run build` beside `npm start`) has hashed
        // files with no route of their own: its new index.html names them, so serve them from
        // disk rather than leave a blank page until a restart. One plain file name, no other path.
        if (/^assets\/[\w-]+(\.[\w-]+)+$/.test(rest) && existsSync(path.join(dir, rest))) return reply.sendFile(rest, dir);
        // A missing asset is a 404, not the page: a browser would try to run HTML as a script.
        return reply.callNotFound();
      }
      if (!existsSync(index)) return sendProblem(reply, problem(404, 'The console is not built: run `npm run build` (it builds dist/console)'));
      return reply.sendFile('index.html', dir);
    };
    fastify.get('/console', page);
    fastify.get('/console/*', page);
  };
}

/**
 * A GET under /console whose path does not decode (`/console/%zz`) still gets the page, as it did
 * when express.static and its fallback ran before express' router decoded anything: find-my-way
 * refuses such a path before any route (configureHttpApp's malformed-path handler). A missing
 * asset's path stays the 400 problem every other malformed path gets.
 */
export function consolePageForMalformedPath(dir = consoleDirectory()): MalformedPathHandler {
  return (request, reply) => {
    const method = request.raw.method;
    const under = /^\/console(\/.*)?$/i.exec((request.raw.url ?? '').split('?')[0]);
    if (!under || (method !== 'GET' && method !== 'HEAD') || /^\/assets\//.test(under[1] ?? '')) return false;
    if (!existsSync(path.join(dir, 'index.html'))) {
      sendProblem(reply, problem(404, 'The console is not built: run `npm run build` (it builds dist/console)'));
      return true;
    }
    reply.hijack();
    const res = reply.raw;
    void send(request.raw, '/index.html', { root: dir, index: false }).then(
      ({ statusCode, headers, stream }) => {
        res.statusCode = statusCode;
        for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
        res.setHeader('Cache-Control', 'no-cache');
        res.setHeader('X-Content-Type-Options', 'nosniff');
        if (method === 'HEAD') {
          stream.destroy();
          res.end();
        } else stream.pipe(res);
      },
      () => res.destroy(),
    );
    return true;
  };
}
