import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { NextFunction, Request, Response } from 'express';
import { existsSync } from 'fs';
import * as path from 'path';
import { problem, sendProblem } from '@porter/platform';

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
 * user's token on its API calls). Hashed assets are cached for good; index.html never is, and it
 * answers every other GET under /console so that client-side routes survive a reload.
 */
export function serveConsole(app: NestExpressApplication, dir = consoleDirectory()): void {
  // The development sign-in lives outside /api/v1 (that pipeline demands a token first), so it
  // gets its own small JSON parser.
  app.use('/api/dev/sign-in', express.json({ limit: 4096 }));
  const index = path.join(dir, 'index.html');
  app.use(
    '/console',
    express.static(dir, {
      index: false,
      redirect: false,
      fallthrough: true,
      setHeaders: (res, file) => {
        res.setHeader('X-Content-Type-Options', 'nosniff');
        res.setHeader('Cache-Control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
  app.use('/console', (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    // A missing asset is a 404, not the page: a browser would try to run HTML as a script.
    if (/^\/assets\//.test(req.path)) return next();
    if (!existsSync(index)) {
      sendProblem(res, problem(404, 'The console is not built: run `npm run build` (it builds dist/console)'));
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.sendFile(index);
  });
}
