import { get } from './api';

/**
 * Which optional endpoints this server has, read once from its OpenAPI document (public, and
 * always current): the console offers a feature only when the server declares it, instead of
 * probing with requests that could have effects.
 */
type Schema = { $ref?: string; properties?: Record<string, unknown> };
type Operation = { parameters?: Array<{ name: string; in: string }>; requestBody?: { content?: Record<string, { schema?: Schema }> } };
type OpenApi = { paths?: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, Schema> } };

let doc: Promise<OpenApi> | null = null;

function openApi(): Promise<OpenApi> {
  doc ??= get<OpenApi>('/api/docs-json').catch(() => ({}));
  return doc;
}

export async function hasEndpoint(path: string): Promise<boolean> {
  return path in ((await openApi()).paths ?? {});
}

/** Whether `GET path` declares the query parameter `name`. */
export async function hasQueryParameter(path: string, name: string): Promise<boolean> {
  const parameters = (await openApi()).paths?.[path]?.get?.parameters ?? [];
  return parameters.some((p) => p.in === 'query' && p.name === name);
}

/** Whether the JSON body of `method path` declares the property `name`. */
export async function hasBodyProperty(path: string, method: string, name: string): Promise<boolean> {
  const api = await openApi();
  let schema = api.paths?.[path]?.[method]?.requestBody?.content?.['application/json']?.schema;
  if (schema?.$ref) schema = api.components?.schemas?.[schema.$ref.split('/').pop() ?? ''];
  return !!schema?.properties && name in schema.properties;
}
