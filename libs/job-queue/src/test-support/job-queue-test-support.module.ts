import { Module } from '@nestjs/common';
import { CountingTestJobHandler, NoopTestJobHandler, StepsTestJobHandler } from './test-job-handlers';
import { TestJobsController } from './test-jobs.controller';

/**
 * The queue's own test job types (`porter-test.noop/steps/count`) and `POST
 * /api/v1/job-queue/testing/jobs` that submits them, for tests and demos. No production module
 * includes it: the API and worker app modules add it when PORTER_ENABLE_TEST_JOB_TYPES=1 (the
 * worker runs the job types, the API serves the endpoint), integration test contexts import it.
 */
@Module({
  controllers: [TestJobsController],
  providers: [NoopTestJobHandler, StepsTestJobHandler, CountingTestJobHandler],
})
export class JobQueueTestSupportModule {}
