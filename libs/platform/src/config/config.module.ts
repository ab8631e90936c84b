import { Global, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { loadConfig, PORTER_CONFIG, PorterConfig } from './porter-config';
import { TokenVerifier } from '../auth/token-verifier';

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
    // One per process: it holds the identity provider's cached key set.
    { provide: TokenVerifier, inject: [PORTER_CONFIG], useFactory: (config: PorterConfig) => new TokenVerifier(config) },
  ],
  exports: [PORTER_CONFIG, TokenVerifier],
})
export class PorterConfigModule {}
