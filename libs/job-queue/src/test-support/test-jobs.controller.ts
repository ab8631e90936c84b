import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiExcludeController } from '@nestjs/swagger';
import { CurrentPrincipal } from '@porter/platform';
import type { Principal } from '@porter/shared-kernel';
import { SubmitJobCommand, SubmitJobResult } from '../public/actions/submit-job.command';
import { SubmitTestJobRequestDto } from './submit-test-job.request.dto';

/**
 * Submits porter-test.* jobs over HTTP, for end-to-end tests and demos of the queue itself.
 * Mounted by JobQueueTestSupportModule.forApi() (only when PORTER_ENABLE_TEST_JOB_TYPES=1); hidden from OpenAPI.
 */
@ApiExcludeController()
@Controller('api/v1/job-queue/testing')
export class TestJobsController {
  constructor(private readonly commands: CommandBus) {}

  @Post('jobs')
  submit(@CurrentPrincipal() principal: Principal, @Body() body: SubmitTestJobRequestDto): Promise<SubmitJobResult> {
    return this.commands.execute(
      new SubmitJobCommand(principal, body.type, body.payload ?? {}, {
        name: body.name,
        description: body.description,
        scheduledFor: body.scheduledFor ? new Date(body.scheduledFor) : null,
        priority: body.priority,
        idempotencyKey: body.idempotencyKey,
      }),
    );
  }
}
