import { Inject, Injectable } from '@nestjs/common';
import { PORTER_CONFIG, PorterConfig } from '@porter/platform';
import { BadRequestError } from '@porter/shared-kernel';
import type { SecretSealer, WebhookUrlGuard } from '../../application/ports/webhook.ports';
import { parseWebhookUrl, resolveAllowed, WebhookUrlRefused } from './guarded-http';
import { newSigningSecret, SecretBox } from './secret-box';

/** Registration-time SSRF check (the same check runs again at every connect; see postWebhook). */
@Injectable()
export class ResolvingWebhookUrlGuard implements WebhookUrlGuard {
  constructor(@Inject(PORTER_CONFIG) private readonly config: PorterConfig) {}

  async check(raw: string): Promise<void> {
    try {
      await resolveAllowed(parseWebhookUrl(raw), this.config.webhookAllowedHosts);
    } catch (error) {
      if (error instanceof WebhookUrlRefused) throw new BadRequestError(`url refused: ${error.message}`, [{ path: 'url', message: error.message }]);
      throw error;
    }
  }
}

@Injectable()
export class AesSecretSealer implements SecretSealer {
  private readonly box: SecretBox;

  constructor(@Inject(PORTER_CONFIG) config: PorterConfig) {
    this.box = new SecretBox(config.webhookSecretKey);
  }

  newSecret(): string {
    return newSigningSecret();
  }

  seal(secret: string, endpointId: string): string {
    return this.box.seal(secret, endpointId);
  }

  open(sealed: string, endpointId: string): string {
    return this.box.open(sealed, endpointId);
  }
}
