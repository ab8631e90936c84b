import { seededRandom } from './seeded-random';

describe('seededRandom', () => {
  it('gives the same sequence for the same seed, another for another seed, always in [0, 1)', () => {
    const take = (seed: number) => {
      const next = seededRandom(seed);
      return Array.from({ length: 1000 }, () => next());
    };
    const a = take(7);
    expect(take(7)).toEqual(a);
    expect(take(8)).not.toEqual(a);
    expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
    // mulberry32's first values for seed 7: the sequence the reference seeder has always drawn from
    // (the bench's and the demo's employees), pinned so a change of generator is seen.
    expect(a.slice(0, 2)).toEqual([0.011704753153026104, 0.06195825757458806]);
    expect(new Set(a).size).toBe(1000);
  });
});
