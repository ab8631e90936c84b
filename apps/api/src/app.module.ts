import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import {
  ContentTypeGuard,
  JwtAuthGuard,
  HttpPipelineModule,
  PlatformHealthModule,
  PlatformModule,
  ProblemDetailsFilter,
  createValidationPipe,
  loadConfig,
} from '@porter/platform';
import { JobQueueModule, JobQueueTestSupportModule } from '@porter/job-queue';
import { ExportsModule } from '@porter/exports';
import { ImportsModule } from '@porter/imports';
import { DirectoryModule } from '@porter/directory';
import { SchedulingModule } from '@porter/scheduling';
import { WebhooksModule } from '@porter/webhooks';
import { HealthController } from './health/health.controller';
import { DevSignInController } from './console/dev-sign-in.controller';
import { JobsHttpModule } from './jobs/jobs-http.module';
import { ExportsHttpModule } from './exports/exports-http.module';
import { ImportsHttpModule } from './imports/imports-http.module';
import { SchedulesHttpModule } from './schedules/schedules-http.module';
import { WebhooksHttpModule } from './webhooks/webhooks-http.module';

// Read when the module is declared (imports are static metadata); main.ts validated the config first.
const testJobTypesEnabled = loadConfig().enableTestJobTypes;

@Module({
  imports: [
    PlatformModule,
    HttpPipelineModule,
    PlatformHealthModule,
    JobQueueModule,
    ExportsModule,
    ImportsModule,
    DirectoryModule,
    SchedulingModule,
    WebhooksModule,
    JobsHttpModule,
    ExportsHttpModule,
    ImportsHttpModule,
    SchedulesHttpModule,
    WebhooksHttpModule,
    // PORTER_ENABLE_TEST_JOB_TYPES=1 (tests and demos): POST /api/v1/job-queue/testing/jobs.
    ...(testJobTypesEnabled ? [JobQueueTestSupportModule.forApi()] : []),
  ],
  controllers: [HealthController, DevSignInController],
  providers: [
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    // After authentication (guards run in this order): 401 before 415.
    { provide: APP_GUARD, useClass: ContentTypeGuard },
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    { provide: APP_PIPE, useFactory: createValidationPipe },
  ],
})
export class AppModule {}
