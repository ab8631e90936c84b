import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DependencyHealthIndicators } from './health-indicators';

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  providers: [DependencyHealthIndicators],
  exports: [TerminusModule, DependencyHealthIndicators],
})
export class PlatformHealthModule {}
