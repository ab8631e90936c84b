import { DynamicModule, Module } from '@nestjs/common';
import { CountingTestJobHandler, NoopTestJobHandler, StepsTestJobHandler } from './test-job-handlers';

/**
 * The queue's own test job types (`porter-test.noop/steps/count`) and `POST
 * /api/v1/job-queue/testing/jobs` that submits them, for tests and demos. No production module
 * includes it: the worker and API app modules add their half when PORTER_ENABLE_TEST_JOB_TYPES=1,
 * integration test contexts the worker's.
 */
@Module({})
export class JobQueueTestSupportModule {
  /** The worker's half: the porter-test.* job types. */
  static forWorker(): DynamicModule {
    return { module: JobQueueTestSupportModule, providers: [NoopTestJobHandler, StepsTestJobHandler, CountingTestJobHandler] };
  }

  /** The API's half: the endpoint that submits porter-test.* jobs. */
  static forApi(): DynamicModule {
    // Loaded here, not at the top: the controller uses @nestjs/swagger, which workers never load.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { TestJobsController } = require('./test-jobs.controller') as typeof import('./test-jobs.controller');
    return { module: JobQueueTestSupportModule, controllers: [TestJobsController] };
  }
}
