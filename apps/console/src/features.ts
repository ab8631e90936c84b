import { get } from './api';

/**
 * Which optional endpoints this server has, read once from its OpenAPI document (public, and
 * always current): the console offers a feature only when the server declares it, instead of
 * probing with requests that could have effects.
 */
let paths: Promise<Set<string>> | null = null;

export function serverPaths(): Promise<Set<string>> {
  paths ??= get<{ paths?: Record<string, unknown> }>('/api/docs-json')
    .then((doc) => new Set(Object.keys(doc.paths ?? {})))
    .catch(() => new Set<string>());
  return paths;
}

export async function hasEndpoint(path: string): Promise<boolean> {
  return (await serverPaths()).has(path);
}
