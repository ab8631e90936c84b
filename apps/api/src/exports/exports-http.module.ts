import { Module } from '@nestjs/common';
import { ExportsController } from './exports.controller';

/** REST controllers of the exports API (thin: validate, dispatch a command or query). */
@Module({ controllers: [ExportsController] })
export class ExportsHttpModule {}
