import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiExtraModels, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '@porter/platform';
import { Page, Principal } from '@porter/shared-kernel';
import {
  DeleteWebhookCommand,
  GetWebhookQuery,
  ListWebhookDeliveriesQuery,
  ListWebhooksQuery,
  PingWebhookCommand,
  RedeliverWebhookCommand,
  RegisterWebhookCommand,
  RotateWebhookSecretCommand,
  UpdateWebhookCommand,
  WebhookDeliveryInfo,
  WebhookEndpointInfo,
  WebhookEndpointWithSecret,
} from '@porter/webhooks';
import { SortedPageParams } from '../common/page-params.dto';
import { ApiProblems } from '../common/problem-responses';
import { WEBHOOK_EVENT_MODELS } from './webhook-events.openapi';
import {
  ListDeliveriesParams,
  RegisterWebhookBody,
  UpdateWebhookBody,
  WebhookDeliveryPageDto,
  WebhookEndpointDto,
  WebhookEndpointPageDto,
  WebhookEndpointWithSecretDto,
  WebhookPingDto,
  WebhookRedeliveryDto,
  WebhookSecretDto,
} from './webhooks.dto';

const NOT_ADMIN = 'the caller is not a tenant admin';
const NO_ENDPOINT = "no such endpoint in the caller's tenant";
const BAD_URL = 'malformed body, or a URL that is not http(s) or resolves to a loopback, private, link-local, CGNAT, multicast or metadata address (not allowed by WEBHOOK_ALLOWED_HOSTS)';
const BAD_EVENTS = 'unknown event types, or "*" with others (errors names the field)';

/** Webhook endpoints of the caller's tenant (tenant admins only: 403 otherwise). See docs/notifications.md. */
@ApiTags('webhooks')
@ApiExtraModels(...WEBHOOK_EVENT_MODELS)
@ApiProblems({ 403: NOT_ADMIN })
@Controller('api/v1/webhooks')
export class WebhooksController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Register an endpoint; the answer holds its signing secret, shown only here (and by rotate-secret)' })
  @ApiCreatedResponse({ type: WebhookEndpointWithSecretDto })
  @ApiProblems({ 400: BAD_URL, 422: BAD_EVENTS })
  register(@CurrentPrincipal() principal: Principal, @Body() body: RegisterWebhookBody): Promise<WebhookEndpointWithSecret> {
    return this.commandBus.execute(new RegisterWebhookCommand(principal, body));
  }

  @Get()
  @ApiOperation({ summary: "The tenant's endpoints, newest first (sort=oldest: oldest first)" })
  @ApiOkResponse({ type: WebhookEndpointPageDto })
  list(@CurrentPrincipal() principal: Principal, @Query() params: SortedPageParams): Promise<Page<WebhookEndpointInfo>> {
    return this.queryBus.execute(new ListWebhooksQuery(principal, params.offset ?? 0, params.limit ?? 20, params.sort));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One endpoint (never its secret)' })
  @ApiOkResponse({ type: WebhookEndpointDto })
  @ApiProblems({ 404: NO_ENDPOINT })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<WebhookEndpointInfo> {
    return this.queryBus.execute(new GetWebhookQuery(principal, id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change url, events, description or enabled (enabling again clears an automatic disable)' })
  @ApiOkResponse({ type: WebhookEndpointDto })
  @ApiProblems({ 400: BAD_URL, 404: NO_ENDPOINT, 422: BAD_EVENTS })
  update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: UpdateWebhookBody): Promise<WebhookEndpointInfo> {
    return this.commandBus.execute(new UpdateWebhookCommand(principal, id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an endpoint and its deliveries' })
  @ApiNoContentResponse()
  @ApiProblems({ 404: NO_ENDPOINT })
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    await this.commandBus.execute(new DeleteWebhookCommand(principal, id));
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({ summary: 'A new signing secret (the old one stops at once)' })
  @ApiOkResponse({ type: WebhookSecretDto })
  @ApiProblems({ 404: NO_ENDPOINT })
  rotate(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<{ secret: string }> {
    return this.commandBus.execute(new RotateWebhookSecretCommand(principal, id));
  }

  @Post(':id/ping')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a ping event to this endpoint' })
  @ApiAcceptedResponse({ type: WebhookPingDto })
  @ApiProblems({ 404: NO_ENDPOINT, 409: 'the endpoint is disabled' })
  ping(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<{ eventId: string; deliveryId: string }> {
    return this.commandBus.execute(new PingWebhookCommand(principal, id));
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: "The endpoint's deliveries, newest first (sort=oldest: oldest first)" })
  @ApiOkResponse({ type: WebhookDeliveryPageDto })
  @ApiProblems({ 400: 'a bad status, offset or limit', 404: NO_ENDPOINT })
  deliveries(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Query() params: ListDeliveriesParams): Promise<Page<WebhookDeliveryInfo>> {
    return this.queryBus.execute(new ListWebhookDeliveriesQuery(principal, id, params.status, params.offset ?? 0, params.limit ?? 20, params.sort));
  }

  @Post(':id/deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a succeeded or failed delivery again, with the same webhook-id (409 while pending)' })
  @ApiAcceptedResponse({ type: WebhookRedeliveryDto })
  @ApiProblems({ 404: 'no such endpoint, or no such delivery of it', 409: 'the delivery is still pending' })
  redeliver(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Param('deliveryId') deliveryId: string): Promise<{ deliveryId: string }> {
    return this.commandBus.execute(new RedeliverWebhookCommand(principal, id, deliveryId));
  }
}
