import { Logger } from '@nestjs/common';
import type { QueryBus } from '@nestjs/cqrs';
import type { PorterConfig } from '@porter/platform';
import type { WebhookRepository } from '../../application/ports/webhook.ports';
import type { WebhookDispatch } from '../../application/webhook-dispatch';
import { WebhookEventFeed } from './webhook-event-feed';

/** The feed's passes fail while Postgres is away: one warning per 30 s, not an error line per tick. */
describe('WebhookEventFeed when a pass fails', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  let failing: Error;
  const queryBus = {} as QueryBus;
  const webhooks = {} as WebhookRepository;
  // The pass's transaction cannot begin: what a feed meets while Postgres is away.
  const dispatch = { transaction: () => Promise.reject(failing) } as unknown as WebhookDispatch;
  const config = { jobPollingIntervalMs: 1000, jobPurgeAgeMs: 86_400_000 } as PorterConfig;

  async function ticks(feed: WebhookEventFeed, n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      (feed as unknown as { tick(): void }).tick();
      await (feed as unknown as { running: Promise<void> | null }).running;
    }
  }

  afterEach(() => jest.restoreAllMocks());

  it('warns once while the database is unreachable, however many ticks fail', async () => {
    failing = refused;
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    await ticks(new WebhookEventFeed(queryBus, dispatch, webhooks, config), 20);
    expect(error).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(/^webhook feed waits for its database \(connect ECONNREFUSED/);
  });

  it('logs any other failure as an error, every time', async () => {
    failing = new Error('column "x" does not exist');
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    await ticks(new WebhookEventFeed(queryBus, dispatch, webhooks, config), 3);
    expect(warn).not.toHaveBeenCalled();
    expect(error).toHaveBeenCalledTimes(3);
    expect(error.mock.calls[0][0]).toBe('webhook feed failed: column "x" does not exist');
  });
});
