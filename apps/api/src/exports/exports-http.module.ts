import { Module } from '@nestjs/common';

/** REST controllers of the exports API (thin: validate, dispatch a command or query). */
@Module({ controllers: [] })
export class ExportsHttpModule {}
