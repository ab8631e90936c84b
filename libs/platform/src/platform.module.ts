import { Global, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { PorterConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { LoggingModule } from './logging/logging.module';
import { QueueConnectionModule } from './queue/queue.module';
import { StorageModule } from './storage/storage.module';

/** Everything a Porter process stands on: config, logs, database, queue connection, storage, buses. */
@Global()
@Module({
  imports: [PorterConfigModule, LoggingModule, DatabaseModule, QueueConnectionModule, StorageModule, CqrsModule.forRoot()],
  exports: [PorterConfigModule, LoggingModule, DatabaseModule, QueueConnectionModule, StorageModule, CqrsModule],
})
export class PlatformModule {}
