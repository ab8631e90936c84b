import Fastify, { FastifyReply } from 'fastify';
import { mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import request from 'supertest';
import { consoleDirectory, consoleFiles, consolePageForMalformedPath } from './console-static';

const apps: Array<ReturnType<typeof Fastify>> = [];
afterAll(async () => Promise.all(apps.map((app) => app.close())));

async function appServing(dir: string) {
  const onMalformedPath = consolePageForMalformedPath(dir);
  const app = Fastify({
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true },
    frameworkErrors: (_error, request, reply) => {
      if (!onMalformedPath(request, reply)) void (reply as FastifyReply).code(400).send('malformed path');
    },
  });
  await app.register(consoleFiles(dir));
  app.setNotFoundHandler((_req, reply) => reply.code(404).send('not the console'));
  await app.ready();
  apps.push(app);
  return app.server;
}

describe('console static files', () => {
  const built = mkdtempSync(path.join(os.tmpdir(), 'porter-console-'));
  mkdirSync(path.join(built, 'assets'));
  writeFileSync(path.join(built, 'index.html'), '<!doctype html><title>Porter console</title>');
  writeFileSync(path.join(built, 'assets', 'index-abc123.js'), 'console.log(1)');

  it('serves hashed assets for good and index.html, uncached, for every client-side route', async () => {
    const app = await appServing(built);
    const asset = await request(app).get('/console/assets/index-abc123.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-type']).toContain('javascript');
    for (const route of ['/console', '/console/', '/console/jobs/123', '/console/imports/x?y=1']) {
      const page = await request(app).get(route);
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toContain('text/html');
      expect(page.headers['cache-control']).toBe('no-cache');
      expect(page.text).toContain('Porter console');
    }
  });

  it('serves assets of a console rebuilt after the API started (no route of their own), still nothing outside assets/', async () => {
    const rebuilt = mkdtempSync(path.join(os.tmpdir(), 'porter-console-'));
    mkdirSync(path.join(rebuilt, 'assets'));
    writeFileSync(path.join(rebuilt, 'index.html'), '<!doctype html><title>Porter console</title>');
    writeFileSync(path.join(rebuilt, 'secret.txt'), 'not an asset');
    const app = await appServing(rebuilt);
    writeFileSync(path.join(rebuilt, 'assets', 'index-new456.js'), 'console.log(2)');
    const asset = await request(app).get('/console/assets/index-new456.js');
    expect(asset.status).toBe(200);
    expect(asset.text).toBe('console.log(2)');
    expect(asset.headers['content-type']).toContain('javascript');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    for (const bad of ['/console/assets/../secret.txt', '/console/assets/%2e%2e/secret.txt', '/console/assets/..%2fsecret.txt', '/console/assets/gone.js']) {
      const res = await request(app).get(bad);
      expect({ bad, status: res.status, text: res.text }).toEqual({ bad, status: 404, text: 'not the console' });
    }
  });

  it('answers a missing asset with a 404 instead of the page, and leaves other methods and paths alone', async () => {
    const app = await appServing(built);
    expect((await request(app).get('/console/assets/gone.js')).status).toBe(404);
    expect((await request(app).post('/console/jobs')).text).toBe('not the console');
    expect((await request(app).get('/consoles')).text).toBe('not the console');
  });

  it('gives the page for a client-side route whose path does not decode, and nothing else', async () => {
    const app = await appServing(built);
    const page = await request(app).get('/console/jobs/%zz');
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.text).toContain('Porter console');
    expect((await request(app).get('/console/assets/%zz.js')).text).toBe('malformed path');
    expect((await request(app).get('/elsewhere/%zz')).text).toBe('malformed path');
  });

  it('says how to build the console when it is not built (problem+json 404)', async () => {
    const res = await request(await appServing(path.join(built, 'missing'))).get('/console/');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.detail).toContain('npm run build');
  });

  it('finds dist/console from the sources and from the build alike', () => {
    const root = path.resolve(__dirname, '..', '..', '..', '..');
    expect(consoleDirectory()).toBe(path.join(root, 'dist', 'console'));
    expect(consoleDirectory(path.join(root, 'dist', 'apps', 'api', 'src', 'console'))).toBe(path.join(root, 'dist', 'console'));
  });
});
