import { Controller, Get, Header, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';

/** terminus' report: `status` and, per dependency, `{ status: 'up' | 'down', … }`. */
const DEPENDENCIES = { type: 'object', additionalProperties: { type: 'object', properties: { status: { type: 'string', enum: ['up', 'down'] } }, additionalProperties: true } };
const READINESS = { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok', 'error'] }, info: DEPENDENCIES, error: DEPENDENCIES, details: DEPENDENCIES } };
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { DependencyHealthIndicators, Public, metricsRegistry } from '@porter/platform';

/** prom-client's media type, its parameters in the order Express wrote them (charset first). */
const METRICS_CONTENT_TYPE = ((type: string) => {
  const [essence, ...parameters] = type.split(';').map((part) => part.trim());
  return [essence, ...parameters.sort()].join('; ');
})(metricsRegistry.contentType);

@ApiTags('operations')
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly dependencies: DependencyHealthIndicators,
  ) {}

  @Get('api/health')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } } })
  live() {
    return { status: 'ok' };
  }

  @Get('api/health/ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: Postgres, Redis and (STORAGE_DRIVER=s3) the bucket answer (503 otherwise)' })
  @ApiOkResponse({ description: 'every dependency is up', schema: READINESS })
  @ApiServiceUnavailableResponse({ description: 'a dependency is down (the same report, status error)', content: { 'application/json': { schema: READINESS } } })
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    try {
      return await this.health.check(this.dependencies.readinessChecks());
    } catch (error) {
      // Keep terminus' per-dependency report (not a generic problem) so operators see what is down.
      if (error instanceof ServiceUnavailableException) {
        reply.code(503);
        return error.getResponse();
      }
      throw error;
    }
  }

  @Get('metrics')
  @ApiExcludeEndpoint()
  @Header('Cache-Control', 'no-store')
  async metrics(@Res() reply: FastifyReply): Promise<void> {
    await reply.type(METRICS_CONTENT_TYPE).send(await metricsRegistry.metrics());
  }
}
