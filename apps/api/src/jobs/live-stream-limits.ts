import { Inject, Injectable } from '@nestjs/common';
import { PORTER_CONFIG, PorterConfig } from '@porter/platform';
import { Principal, TooManyRequestsError } from '@porter/shared-kernel';

/** What a refused stream's client is told to wait before trying again (it may poll meanwhile). */
const RETRY_AFTER_SECONDS = 30;

/**
 * How many live streams (`GET /jobs/{id}/stream`) this API process holds open: per user (tenant and
 * subject) and in all. A stream costs a socket and ~70 KB for as long as its job runs, and the rate
 * limit counts requests, not what stays open: one token opening streams on a job scheduled for
 * tomorrow grew the process without bound (1,000 streams: +70 MB). Past a limit the stream is
 * refused with 429 and Retry-After; the console then polls the job instead.
 */
@Injectable()
export class LiveStreamLimits {
  private readonly perUser = new Map<string, number>();
  private total = 0;

  constructor(@Inject(PORTER_CONFIG) private readonly config: PorterConfig) {}

  /** Takes one stream for `principal` or refuses (429); the returned function gives it back (once, however often called). */
  acquire(principal: Principal): () => void {
    const key = `${principal.tenant}\u0000${principal.userId}`;
    const mine = this.perUser.get(key) ?? 0;
    const { jobStreamMaxPerUser: perUser, jobStreamMax: max } = this.config;
    if (perUser && mine >= perUser) {
      throw new TooManyRequestsError(`You have ${mine} live job streams open on this server (JOB_STREAM_MAX_PER_USER): close one, or read GET /api/v1/jobs/{id}`, RETRY_AFTER_SECONDS);
    }
    if (max && this.total >= max) {
      throw new TooManyRequestsError(`This server has ${this.total} live job streams open (JOB_STREAM_MAX): read GET /api/v1/jobs/{id}, or retry later`, RETRY_AFTER_SECONDS);
    }
    this.perUser.set(key, mine + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.perUser.get(key) ?? 1) - 1;
      if (left > 0) this.perUser.set(key, left);
      else this.perUser.delete(key);
    };
  }

  /** Streams open now (metrics, tests). */
  get open(): number {
    return this.total;
  }
}
