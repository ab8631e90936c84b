export * from './webhooks.module';
export * from './webhooks.worker-module';
export { webhooksMigrations } from './infrastructure/migrations';
export * from './public/entities/webhook-info';
export * from './public/actions/webhook-commands';
export * from './public/queries/webhook-queries';
