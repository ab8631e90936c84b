import { Module } from '@nestjs/common';

/** Job-queue commands, queries and the outbox relay (API and worker processes). */
@Module({})
export class JobQueueModule {}
