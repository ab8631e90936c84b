import { Module } from '@nestjs/common';
import { SchedulesController } from './schedules.controller';

/** REST controller of recurring exports (thin: validate the shape, dispatch a command or query). */
@Module({ controllers: [SchedulesController] })
export class SchedulesHttpModule {}
