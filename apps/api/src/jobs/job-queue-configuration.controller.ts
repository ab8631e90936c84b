import { Controller, Get } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { GetQueueConfigurationQuery, QueueConfiguration } from '@porter/job-queue';
import { QueueConfigurationDto } from './dto/job.response.dto';

@ApiTags('jobs')
@Controller('api/v1/job-queue')
export class JobQueueConfigurationController {
  constructor(private readonly queries: QueryBus) {}

  @Get('configuration')
  @ApiOkResponse({ type: QueueConfigurationDto })
  configuration(): Promise<QueueConfiguration> {
    return this.queries.execute(new GetQueueConfigurationQuery());
  }
}
