import { lookup as dnsLookup, LookupAddress } from 'dns';
import { Agent as HttpAgent, IncomingMessage, request as httpRequest } from 'http';
import { Agent as HttpsAgent, request as httpsRequest } from 'https';
import { isIP, LookupFunction } from 'net';
import { blockedReason, hostAllowed } from '../../domain/address-policy';
import { RESPONSE_BODY_LIMIT } from '../../domain/webhook-event-types';

export class WebhookUrlRefused extends Error {}

const defaultPort = (url: URL) => Number(url.port || (url.protocol === 'https:' ? 443 : 80));

/** Parses and checks the shape of a receiver URL (http/https, no credentials); throws WebhookUrlRefused. */
export function parseWebhookUrl(raw: string): URL {
  let url: URL;
  // The URL parser would strip them, but the URL is stored and shown as given.
  if (raw !== raw.trim()) throw new WebhookUrlRefused('the URL must not begin or end with spaces');
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlRefused(`"${raw}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WebhookUrlRefused(`only http and https URLs are allowed, got ${url.protocol.slice(0, -1)}`);
  if (url.username || url.password) throw new WebhookUrlRefused('the URL must not carry credentials');
  if (!url.hostname) throw new WebhookUrlRefused('the URL has no host');
  // Node's HTTP client sends a request for port 0 to the protocol's default port, which is not
  // the port WEBHOOK_ALLOWED_HOSTS would have judged.
  if (url.port === '0') throw new WebhookUrlRefused('port 0 is not a port a receiver can listen on');
  return url;
}

/** Every address of a host name (the system resolver by default; tests give their own). */
export type HostResolver = (host: string) => Promise<LookupAddress[]>;

export const resolveHost: HostResolver = (host) =>
  new Promise<LookupAddress[]>((resolve, reject) => dnsLookup(host, { all: true, verbatim: true }, (error, found) => (error ? reject(error) : resolve(found))));

/**
 * Resolves the URL's host ONCE and judges every address: a host with any blocked address is
 * refused (a DNS answer mixing public and private addresses is a known rebinding trick), unless
 * WEBHOOK_ALLOWED_HOSTS allows the host and port. Returns the address to connect to.
 */
export async function resolveAllowed(
  url: URL,
  allowedHosts: readonly string[],
  resolver: HostResolver = resolveHost,
  timeoutMs = 10_000,
): Promise<{ address: string; family: number }> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const allowed = hostAllowed(allowedHosts, host, defaultPort(url));
  let addresses: LookupAddress[];
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) }];
  } else {
    // A resolver that never answers must not hold the delivery past its timeout.
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new WebhookUrlRefused(`${host} could not be resolved within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      addresses = await Promise.race([resolver(host), timedOut]);
    } catch (error) {
      if (error instanceof WebhookUrlRefused) throw error;
      const e = error as NodeJS.ErrnoException;
      throw new WebhookUrlRefused(`${host} cannot be resolved (${e.code ?? e.message})`);
    } finally {
      clearTimeout(timer);
    }
    if (!addresses.length) throw new WebhookUrlRefused(`${host} resolves to no address`);
  }
  if (!allowed) {
    for (const { address } of addresses) {
      const reason = blockedReason(address);
      if (reason) throw new WebhookUrlRefused(`${url.host} resolves to ${address}, ${/^[aeiou]/i.test(reason) ? 'an' : 'a'} ${reason} address (allow it with WEBHOOK_ALLOWED_HOSTS)`);
    }
  }
  return addresses[0];
}

export interface WebhookResponse {
  statusCode: number;
  /** At most RESPONSE_BODY_LIMIT bytes, decoded as UTF-8. */
  body: string;
}

/**
 * POSTs one delivery. The socket connects to the address checked by `resolveAllowed` (the
 * agent's `lookup` answers with it instead of resolving again, so a DNS answer that changes
 * between check and connect cannot redirect the request). Redirects are not followed (a 3xx is
 * a failed attempt). The whole exchange, connect to last byte, is bounded by `timeoutMs`.
 */
export async function postWebhook(
  url: URL,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; allowedHosts: readonly string[]; resolver?: HostResolver },
): Promise<WebhookResponse> {
  const started = Date.now();
  const target = await resolveAllowed(url, options.allowedHosts, options.resolver, options.timeoutMs);
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    const cb = callback as unknown as (error: Error | null, address: string | LookupAddress[], family?: number) => void;
    if ((lookupOptions as { all?: boolean }).all) cb(null, [target]);
    else cb(null, target.address, target.family);
  };
  const agentOptions = { lookup: pinned, keepAlive: false };
  const agent = url.protocol === 'https:' ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  const remaining = Math.max(1, options.timeoutMs - (Date.now() - started));
  try {
    return await new Promise<WebhookResponse>((resolve, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(
        url,
        {
          method: 'POST',
          agent,
          headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'Porter-Webhooks/1' },
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let kept = 0;
          res.on('data', (chunk: Buffer) => {
            if (kept < RESPONSE_BODY_LIMIT) {
              const part = chunk.subarray(0, RESPONSE_BODY_LIMIT - kept);
              chunks.push(part);
              kept += part.length;
            }
          });
          res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      const timer = setTimeout(() => req.destroy(new Error(`timed out after ${options.timeoutMs} ms`)), remaining);
      req.on('close', () => clearTimeout(timer));
      req.on('error', reject);
      req.end(body);
    });
  } finally {
    agent.destroy();
  }
}
