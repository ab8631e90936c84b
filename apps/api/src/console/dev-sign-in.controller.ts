import { Body, Controller, ForbiddenException, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../common/problem-responses';
import { IsBoolean, IsString, Matches, MaxLength, NotEquals } from 'class-validator';
import { SYSTEM_USER_ID } from '@porter/shared-kernel';
import { IsOmittable } from '../common/is-omittable';
import { DEVELOPMENT_JWT_SECRET, PORTER_CONFIG, PorterConfig, Public, signToken } from '@porter/platform';

/** No spaces, and none of the control characters the API refuses in a token's claims (a token it would mint but not accept). */
// eslint-disable-next-line no-control-regex
const NO_SPACE_OR_CONTROL = /^[^\s\u0000-\u001f\u007f]+$/;

export class DevSignInBody {
  @IsString()
  @MaxLength(200)
  @Matches(NO_SPACE_OR_CONTROL, { message: 'user must not contain spaces or control characters' })
  @NotEquals(SYSTEM_USER_ID, { message: `user "${SYSTEM_USER_ID}" is reserved for the work Porter does on its own` })
  user: string;

  @IsString()
  @MaxLength(200)
  @Matches(NO_SPACE_OR_CONTROL, { message: 'tenant must not contain spaces or control characters' })
  tenant: string;

  @IsOmittable()
  @IsBoolean()
  admin?: boolean;
}

/**
 * Development sign-in for the console: mints a token like `porter token` does, so a developer
 * running `npm start` locally can open /console without the command line. It exists only when
 * NODE_ENV=development (the default of a local run) and tokens are checked with the development
 * secret; in test and production, or with a secret or identity provider of its own, every call is
 * 403, so it is no way around authentication there (docs/adr/056-console-sign-in.md).
 */
@ApiTags('console')
@Public()
@Controller('api/dev/sign-in')
export class DevSignInController {
  constructor(@Inject(PORTER_CONFIG) private readonly config: PorterConfig) {}

  @Get()
  @ApiOperation({ summary: 'Whether development sign-in is available (200) or not (403)' })
  @ApiOkResponse({ schema: { type: 'object', required: ['available'], properties: { available: { type: 'boolean', enum: [true] } } } })
  @ApiProblems({ 403: 'NODE_ENV is not development' })
  available(): { available: true } {
    this.refuseOutsideDevelopment();
    return { available: true };
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Development only (NODE_ENV=development): a 12-hour token for any user of any tenant' })
  @ApiOkResponse({ schema: { type: 'object', required: ['token', 'expiresInSeconds'], properties: { token: { type: 'string' }, expiresInSeconds: { type: 'integer' } } } })
  @ApiProblems({ 400: 'a bad field', 403: 'NODE_ENV is not development' })
  signIn(@Body() body: DevSignInBody): { token: string; expiresInSeconds: number } {
    this.refuseOutsideDevelopment();
    const expiresInSeconds = 12 * 3600;
    const roles = body.admin ? ['admin'] : [];
    return { token: signToken({ sub: body.user, tenant: body.tenant, roles, scopes: [] }, this.config.authJwtSecret, expiresInSeconds), expiresInSeconds };
  }

  private refuseOutsideDevelopment(): void {
    if (this.config.nodeEnv !== 'development') {
      throw new ForbiddenException(`Development sign-in is available only when NODE_ENV=development (this API runs with NODE_ENV=${this.config.nodeEnv})`);
    }
    // NODE_ENV defaults to development: an API given its own secret, or an identity provider, is
    // not a throwaway local one, whatever NODE_ENV says, and mints nothing.
    if (this.config.authJwksUrl || this.config.authJwtSecret !== DEVELOPMENT_JWT_SECRET) {
      throw new ForbiddenException(
        `Development sign-in is available only with the development token secret: this API verifies tokens with ${this.config.authJwksUrl ? 'AUTH_JWKS_URL' : 'its own AUTH_JWT_SECRET'}, so sign in with a token from there`,
      );
    }
  }
}
