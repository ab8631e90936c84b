import { Module } from '@nestjs/common';
import { ImportsController } from './imports.controller';

/** REST controllers of the imports API (thin: validate, dispatch a command or query). */
@Module({ controllers: [ImportsController] })
export class ImportsHttpModule {}
