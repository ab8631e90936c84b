import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';

export class FieldErrorDto {
  @ApiProperty({ example: 'events' }) path!: string;
  @ApiProperty() message!: string;
}

/** RFC 9457 problem details, as every error of the API is answered (`application/problem+json`). */
export class ProblemDto {
  @ApiProperty({ example: 'https://porter.dev/problems/conflict' }) type!: string;
  @ApiProperty({ example: 'Conflict' }) title!: string;
  @ApiProperty({ example: 409 }) status!: number;
  @ApiPropertyOptional() detail?: string;
  @ApiPropertyOptional({ description: 'the request path' }) instance?: string;
  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'one entry per bad field (400, 422)' }) errors?: FieldErrorDto[];
  @ApiPropertyOptional() requestId?: string;
}

/**
 * Documents error answers of an operation: `@ApiProblems({ 404: 'no such webhook', 409: '…' })`.
 * Like ApiNotFoundResponse({ description }) elsewhere, plus the problem+json body's schema.
 */
export function ApiProblems(responses: Record<number, string>): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDto, FieldErrorDto),
    ...Object.entries(responses).map(([status, description]) =>
      ApiResponse({ status: Number(status), description, content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDto) } } } }),
    ),
  );
}
