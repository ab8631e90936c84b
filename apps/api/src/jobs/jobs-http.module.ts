import { Module } from '@nestjs/common';

/** REST controllers of the jobs API (thin: validate, dispatch a command or query). */
@Module({ controllers: [] })
export class JobsHttpModule {}
