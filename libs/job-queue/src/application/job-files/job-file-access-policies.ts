import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { findDecoratedProviders } from '@porter/platform';
import { JOB_FILE_ACCESS_POLICY_METADATA, JobFileAccessPolicy } from '../../public/dependencies/job-file-access-policy.dependency';

/** The JobFileAccessPolicy of each job type: every provider decorated with @JobFileAccessPolicyFor. */
@Injectable()
export class JobFileAccessPolicies implements OnModuleInit {
  private readonly byType = new Map<string, JobFileAccessPolicy>();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    for (const { metadata: type, instance, className } of findDecoratedProviders<string>(this.discovery, JOB_FILE_ACCESS_POLICY_METADATA)) {
      const policy = instance as JobFileAccessPolicy;
      if (typeof policy.authorizeRead !== 'function') throw new Error(`${className} is a @JobFileAccessPolicyFor provider without authorizeRead()`);
      const existing = this.byType.get(type);
      // A type with two policies would be read under whichever was found first: refuse to start.
      if (existing && existing !== policy) {
        throw new Error(`Job type "${type}" has two file access policies (${existing.constructor.name} and ${className})`);
      }
      this.byType.set(type, policy);
    }
  }

  get(type: string): JobFileAccessPolicy | undefined {
    return this.byType.get(type);
  }
}
