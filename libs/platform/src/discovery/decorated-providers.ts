import type { DiscoveryService } from '@nestjs/core';

/** A provider whose class carries a decorator's metadata. */
export interface DecoratedProvider<M> {
  readonly metadata: M;
  readonly instance: object;
  /** The provider's class name, for start-up errors. */
  readonly className: string;
}

/**
 * Every provider of the application whose class carries `metadataKey` (set by a class decorator
 * such as `@ExportDataSourceFor` or `@JobFileAccessPolicyFor`), in whichever module it is listed:
 * how a module finds what hosts declare for it without knowing the hosts. Call it from
 * `onModuleInit`, when every provider exists. Value, factory and alias providers have no class of
 * their own and are skipped.
 */
export function findDecoratedProviders<M>(discovery: DiscoveryService, metadataKey: string): DecoratedProvider<M>[] {
  const found: DecoratedProvider<M>[] = [];
  for (const wrapper of discovery.getProviders()) {
    const { instance, metatype } = wrapper;
    if (!instance || !metatype || wrapper.isNotMetatype) continue;
    const metadata = Reflect.getMetadata(metadataKey, metatype) as M | undefined;
    if (metadata !== undefined) found.push({ metadata, instance: instance as object, className: metatype.name });
  }
  return found;
}
