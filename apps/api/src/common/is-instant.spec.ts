import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { IsInstant } from './is-instant';

class Body {
  @IsInstant()
  at!: string;
}

const problems = async (at: unknown) => (await validate(plainToInstance(Body, { at }))).flatMap((e) => Object.values(e.constraints ?? {}));

describe('IsInstant', () => {
  it.each(['2030-01-31T22:00:00Z', '2030-01-31T22:00Z', '2030-01-31T22:00:00.123Z', '2030-01-31T23:00:00+01:00', '2030-01-31T17:00:00-0500', '2030-01-31T22:00:00+01'])('takes %s', async (at) => {
    expect(await problems(at)).toEqual([]);
  });

  it.each(['2030-01-01T00:00:00', '2030-01-01', '2030-01-01T00:00'])('refuses %s, which says no zone, saying how to write one', async (at) => {
    expect(await problems(at)).toEqual([expect.stringMatching(/^at must be a date and time with its zone, such as 2030-01-31T22:00:00Z/)]);
  });

  it('refuses what is not a date (and a day that does not exist)', async () => {
    expect((await problems('soon')).length).toBeGreaterThan(0);
    expect((await problems('2030-02-30T00:00:00Z')).length).toBeGreaterThan(0);
  });
});
