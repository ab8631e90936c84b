import { Module } from '@nestjs/common';

/** The BullMQ consumer that runs registered job handlers (worker process only). */
@Module({})
export class JobQueueWorkerModule {}
