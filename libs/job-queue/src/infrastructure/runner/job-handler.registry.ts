import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { PORTER_CONFIG, PorterConfig } from '@porter/platform';
import { JOB_HANDLER_METADATA, JobHandler, JobHandlerMetadata } from '../../public/dependencies/job-handler.dependency';

export interface RegisteredJobType {
  type: string;
  handler: JobHandler;
  maxAttempts: number;
  backoffMs: number;
}

/** Finds every provider decorated with @JobHandlerFor in the worker's modules. */
@Injectable()
export class JobHandlerRegistry implements OnModuleInit {
  private readonly types = new Map<string, RegisteredJobType>();

  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const metatype = wrapper.metatype as (abstract new (...args: never[]) => unknown) | undefined;
      if (!metatype || !wrapper.instance || wrapper.isNotMetatype) continue;
      const meta = Reflect.getMetadata(JOB_HANDLER_METADATA, metatype) as JobHandlerMetadata | undefined;
      if (!meta) continue;
      const existing = this.types.get(meta.type);
      if (existing && existing.handler !== wrapper.instance) {
        throw new Error(`Job type "${meta.type}" has two handlers (${existing.handler.constructor.name} and ${metatype.name})`);
      }
      const handler = wrapper.instance as JobHandler;
      if (typeof handler.run !== 'function') throw new Error(`${metatype.name} is a @JobHandlerFor provider without a run() method`);
      this.types.set(meta.type, {
        type: meta.type,
        handler,
        maxAttempts: Math.max(1, meta.maxAttempts ?? this.config.jobMaxAttempts),
        backoffMs: Math.max(0, meta.backoffMs ?? this.config.jobBackoffMs),
      });
    }
  }

  get(type: string): RegisteredJobType | undefined {
    return this.types.get(type);
  }

  typeNames(): string[] {
    return [...this.types.keys()].sort();
  }

  /** type → attempt limit, stamped on a job when a run starts. */
  maxAttemptsByType(): Record<string, number> {
    return Object.fromEntries([...this.types.values()].map((t) => [t.type, t.maxAttempts]));
  }
}
