import { plainToInstance } from 'class-transformer';
import { IsBoolean, IsOptional, validate } from 'class-validator';
import { IsOmittable } from './is-omittable';

class Body {
  @IsOmittable()
  @IsBoolean()
  enabled?: boolean;

  @IsOptional()
  @IsBoolean()
  nullable?: boolean | null;
}

const failing = async (plain: object) => (await validate(plainToInstance(Body, plain))).map((e) => e.property);

describe('IsOmittable', () => {
  it('skips an absent property', async () => {
    expect(await failing({})).toEqual([]);
  });

  it('validates a present one, null included (IsOptional lets null through)', async () => {
    expect(await failing({ enabled: true })).toEqual([]);
    expect(await failing({ enabled: null })).toEqual(['enabled']);
    expect(await failing({ enabled: 'yes' })).toEqual(['enabled']);
    expect(await failing({ nullable: null })).toEqual([]);
  });
});
