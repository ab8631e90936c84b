import { Controller, Get, INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { porterFastifyOptions } from '../http/configure-http-app';
import { RequestContext } from '@mikro-orm/core';
import { PlatformModule } from '../platform.module';
import { loadConfig } from '../config/porter-config';
import { signToken } from '../auth/jwt';

/** Reports whether the request runs in a MikroORM request context, on routes shaped like the API's. */
@Controller('api/v1')
class ContextProbeController {
  @Get(['jobs', 'jobs/:id', 'jobs/:id/events', 'imports/:id'])
  probe() {
    return { context: RequestContext.getEntityManager() !== undefined };
  }
}

describe('MikroORM request context (ADR 084)', () => {
  let app: INestApplication;
  let base: string;
  const auth = { authorization: `Bearer ${signToken({ sub: 'u1', tenant: 't1', roles: [], scopes: [] }, loadConfig().authJwtSecret)}` };

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [PlatformModule], controllers: [ContextProbeController] }).compile();
    app = moduleRef.createNestApplication(new FastifyAdapter(porterFastifyOptions()), { logger: false });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });
  afterAll(async () => app?.close());

  const contextOf = async (path: string) => {
    const res = await fetch(`${base}${path}`, { headers: auth });
    expect(res.status).toBe(200);
    return ((await res.json()) as { context: boolean }).context;
  };

  it('serves the polled job reads (plain SQL) without one', async () => {
    expect(await contextOf('/api/v1/jobs')).toBe(false);
    expect(await contextOf('/api/v1/jobs?limit=20')).toBe(false);
    expect(await contextOf('/api/v1/jobs/4b7c6b0e-8f0a-4a53-9d59-2c9f54a7c6a1')).toBe(false);
  });

  it('keeps one for every other route, job sub-resources included', async () => {
    expect(await contextOf('/api/v1/jobs/4b7c6b0e-8f0a-4a53-9d59-2c9f54a7c6a1/events')).toBe(true);
    expect(await contextOf('/api/v1/imports/4b7c6b0e-8f0a-4a53-9d59-2c9f54a7c6a1')).toBe(true);
  });
});
