import { DynamicModule, ModuleMetadata, Type } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { PlatformModule, signToken, loadConfig } from '@porter/platform';
import { Principal } from '@porter/shared-kernel';

/**
 * A Nest context for integration tests: the real platform (config from the run's env, real
 * Postgres, Redis, storage) plus the modules under test.
 */
export async function createIntegrationContext(
  imports: Array<Type<unknown> | DynamicModule>,
  extra: Pick<ModuleMetadata, 'providers'> = {},
): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({ imports: [PlatformModule, ...imports], providers: extra.providers ?? [] }).compile();
  moduleRef.enableShutdownHooks();
  await moduleRef.init();
  return moduleRef;
}

interface RoleOptions {
  admin?: boolean;
  operator?: boolean;
  scopes?: string[];
  /** A service account's token (claim `kind: "app"`). */
  app?: boolean;
  /** The token's `email` claim. */
  email?: string;
}

const rolesOf = (opts: RoleOptions): string[] => [...(opts.admin ? ['admin'] : []), ...(opts.operator ? ['operator'] : [])];

export function principal(userId: string, tenant: string, opts: RoleOptions = {}): Principal {
  return new Principal(userId, tenant, rolesOf(opts), opts.scopes ?? []);
}

/** A bearer token for the run's configured secret. */
export function bearer(userId: string, tenant: string, opts: RoleOptions = {}): string {
  const token = signToken(
    { sub: userId, tenant, roles: rolesOf(opts), scopes: opts.scopes ?? [], ...(opts.app ? { kind: 'app' as const } : {}), ...(opts.email ? { email: opts.email } : {}) },
    loadConfig().authJwtSecret,
  );
  return `Bearer ${token}`;
}
