import { ArgumentMetadata, BadRequestException } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { createValidationPipe } from './validation';

class Inner {
  @IsString()
  @MaxLength(3)
  code!: string;
}

class Params {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  offset?: number;

  @IsOptional()
  @IsString()
  @MaxLength(5)
  name?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => Inner)
  inner?: Inner;
}

async function errorsOf(value: unknown): Promise<Array<{ path: string; message: string }>> {
  const metadata: ArgumentMetadata = { type: 'query', metatype: Params };
  try {
    await createValidationPipe().transform(value, metadata);
  } catch (error) {
    return ((error as BadRequestException).getResponse() as { errors: Array<{ path: string; message: string }> }).errors;
  }
  throw new Error('accepted');
}

describe('validation pipe', () => {
  it('gives one clear message per field: what the value must be before how big it may be', async () => {
    expect(await errorsOf({ offset: 'abc' })).toEqual([{ path: 'offset', message: 'offset must be an integer number' }]);
    expect(await errorsOf({ offset: -1 })).toEqual([{ path: 'offset', message: 'offset must not be less than 0' }]);
    expect(await errorsOf({ name: 42 })).toEqual([{ path: 'name', message: 'name must be a string' }]);
    expect(await errorsOf({ name: 'too long' })).toEqual([{ path: 'name', message: 'name must be shorter than or equal to 5 characters' }]);
  });

  it('still lists every failing field, nested ones by path, and unknown properties', async () => {
    const errors = await errorsOf({ offset: 'x', name: 1, inner: { code: 'abcd' }, extra: true });
    expect(errors).toHaveLength(4);
    expect(errors).toEqual(
      expect.arrayContaining([
        { path: 'offset', message: 'offset must be an integer number' },
        { path: 'name', message: 'name must be a string' },
        { path: 'inner.code', message: 'code must be shorter than or equal to 3 characters' },
        { path: 'extra', message: 'property extra should not exist' },
      ]),
    );
  });
});
