import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import type { Response } from 'express';
import { DependencyHealthIndicators, Public, metricsRegistry } from '@porter/platform';

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
  live() {
    return { status: 'ok' };
  }

  @Get('api/health/ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: Postgres and Redis answer (503 otherwise)' })
  ready() {
    return this.health.check([() => this.dependencies.postgres(), () => this.dependencies.redis()]);
  }

  @Get('metrics')
  @ApiExcludeEndpoint()
  @Header('Cache-Control', 'no-store')
  async metrics(@Res() res: Response): Promise<void> {
    res.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  }
}
