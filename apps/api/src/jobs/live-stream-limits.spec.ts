import type { PorterConfig } from '@porter/platform';
import { Principal, TooManyRequestsError } from '@porter/shared-kernel';
import { LiveStreamLimits } from './live-stream-limits';

const limits = (jobStreamMaxPerUser: number, jobStreamMax: number) => new LiveStreamLimits({ jobStreamMaxPerUser, jobStreamMax } as PorterConfig);
const ada = new Principal('ada', 'acme');
const bob = new Principal('bob', 'acme');
const adaElsewhere = new Principal('ada', 'other');

describe('LiveStreamLimits', () => {
  it('refuses a user past their limit (429 with Retry-After), not another user, and takes them back once freed', () => {
    const l = limits(2, 0);
    const first = l.acquire(ada);
    l.acquire(ada);
    expect(() => l.acquire(ada)).toThrow(TooManyRequestsError);
    expect(() => l.acquire(ada)).toThrow(expect.objectContaining({ retryAfterSeconds: 30, message: expect.stringContaining('JOB_STREAM_MAX_PER_USER') }));
    // The same subject in another tenant is another user.
    l.acquire(bob);
    l.acquire(adaElsewhere);
    first();
    first(); // given back once, however often called
    expect(l.open).toBe(3);
    l.acquire(ada);
    expect(() => l.acquire(ada)).toThrow(TooManyRequestsError);
  });

  it('refuses anyone past the process limit', () => {
    const l = limits(0, 2);
    l.acquire(ada);
    const second = l.acquire(bob);
    expect(() => l.acquire(adaElsewhere)).toThrow(expect.objectContaining({ message: expect.stringContaining('JOB_STREAM_MAX') }));
    second();
    expect(() => l.acquire(adaElsewhere)).not.toThrow();
  });

  it('0 means no limit', () => {
    const l = limits(0, 0);
    for (let i = 0; i < 1000; i++) l.acquire(ada);
    expect(l.open).toBe(1000);
  });
});
