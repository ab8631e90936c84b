import { Module } from '@nestjs/common';

/** REST controllers of the imports API (thin: validate, dispatch a command or query). */
@Module({ controllers: [] })
export class ImportsHttpModule {}
