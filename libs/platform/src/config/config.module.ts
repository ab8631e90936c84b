import { Global, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { loadConfig, PORTER_CONFIG, PorterConfig } from './porter-config';

/**
 * Validates the environment once at start (through @nestjs/config's `validate` hook) and
 * provides the typed result under PORTER_CONFIG.
 */
@Global()
@Module({
  imports: [
    ConfigModule.forRoot({
      ignoreEnvFile: true,
      cache: true,
      validate: (env) => ({ porter: loadConfig(env as Record<string, string | undefined>) }),
    }),
  ],
  providers: [
    {
      provide: PORTER_CONFIG,
      inject: [ConfigService],
      useFactory: (config: ConfigService): PorterConfig => config.getOrThrow<PorterConfig>('porter'),
    },
  ],
  exports: [PORTER_CONFIG],
})
export class PorterConfigModule {}
