import { ArgumentMetadata, BadRequestException, ValidationPipe } from '@nestjs/common';
import { Transform, Type } from 'class-transformer';
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

class Listed {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;

  @IsOptional()
  @IsString()
  status?: string;
}

class Tagged {
  @IsOptional()
  @Transform(({ value }) => String(value).split(','))
  @IsString({ each: true })
  tags?: string[];
}

describe('validation pipe: query strings it has accepted before', () => {
  const query = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({ type: 'query', metatype });
  let validated: jest.SpyInstance;
  beforeEach(() => (validated = jest.spyOn(ValidationPipe.prototype, 'transform')));
  afterEach(() => validated.mockRestore());

  it('answers the same query string with what it made of it, as a copy of its own for each caller', async () => {
    const pipe = createValidationPipe();
    const first = (await pipe.transform({ limit: '5', status: 'pending' }, query(Listed))) as Listed;
    const second = (await pipe.transform({ limit: '5', status: 'pending' }, query(Listed))) as Listed;
    expect(second).toBeInstanceOf(Listed);
    expect(second).toEqual(first);
    expect({ ...second }).toEqual({ limit: 5, status: 'pending' });
    expect(second).not.toBe(first);
    expect(validated).toHaveBeenCalledTimes(1);
    // What one handler does to its value reaches no other caller.
    first.limit = 99;
    second.status = 'changed';
    expect({ ...((await pipe.transform({ limit: '5', status: 'pending' }, query(Listed))) as Listed) }).toEqual({ limit: 5, status: 'pending' });
    // Another query, another class, or a body: validated anew.
    await pipe.transform({ limit: '6' }, query(Listed));
    await pipe.transform({ offset: '5' }, query(Params));
    await pipe.transform({ limit: '5', status: 'pending' }, { type: 'body', metatype: Listed });
    expect(validated).toHaveBeenCalledTimes(4);
  });

  it('refuses a refused query every time, with an exception of its own', async () => {
    const pipe = createValidationPipe();
    const refusals = await Promise.all([1, 2].map(() => pipe.transform({ limit: '500' }, query(Listed)).catch((e: unknown) => e)));
    for (const refusal of refusals) {
      expect(refusal).toBeInstanceOf(BadRequestException);
      expect(((refusal as BadRequestException).getResponse() as { errors: unknown[] }).errors).toEqual([{ path: 'limit', message: 'limit must not be greater than 100' }]);
    }
    expect(refusals[0]).not.toBe(refusals[1]);
    expect(validated).toHaveBeenCalledTimes(2);
  });

  it('does not keep a value holding objects (an array), which a copy would share', async () => {
    const pipe = createValidationPipe();
    const first = (await pipe.transform({ tags: 'a,b' }, query(Tagged))) as Tagged;
    const second = (await pipe.transform({ tags: 'a,b' }, query(Tagged))) as Tagged;
    expect(second.tags).toEqual(['a', 'b']);
    expect(second.tags).not.toBe(first.tags);
    expect(validated).toHaveBeenCalledTimes(2);
  });

  it('keeps at most 512 query strings, forgetting the least recently used', async () => {
    const pipe = createValidationPipe();
    await pipe.transform({ limit: '1' }, query(Listed));
    for (let i = 0; i < 512; i++) await pipe.transform({ limit: '2', status: `s${i}` }, query(Listed));
    expect(validated).toHaveBeenCalledTimes(513);
    await pipe.transform({ limit: '1' }, query(Listed)); // the oldest: forgotten, validated again
    await pipe.transform({ limit: '2', status: 's511' }, query(Listed)); // recent: remembered
    expect(validated).toHaveBeenCalledTimes(514);
  });
});

