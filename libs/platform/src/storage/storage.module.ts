import { Global, Module } from '@nestjs/common';
import { PORTER_CONFIG, PorterConfig } from '../config/porter-config';
import { FILE_STORAGE } from './file-storage.port';
import { LocalFileStorage } from './local-file-storage';

@Global()
@Module({
  providers: [
    {
      provide: FILE_STORAGE,
      inject: [PORTER_CONFIG],
      useFactory: async (config: PorterConfig) => {
        const storage = new LocalFileStorage(config.storageDir);
        await storage.init();
        return storage;
      },
    },
  ],
  exports: [FILE_STORAGE],
})
export class StorageModule {}
