import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { IsDisplaySafe } from './is-display-safe';

class Body {
  @IsDisplaySafe()
  name!: string;

  @IsDisplaySafe({ multiline: true })
  notes!: string;
}

const failing = async (plain: object) => (await validate(plainToInstance(Body, plain))).map((e) => e.property);

describe('IsDisplaySafe', () => {
  it('takes ordinary text in any script, and line breaks and tabs where several lines are fine', async () => {
    expect(await failing({ name: 'HR system – Zoë 東京 🎉', notes: 'line one\r\n\tline two' })).toEqual([]);
  });

  it('refuses bidirectional-text controls and control characters, naming the field', async () => {
    for (const bad of ['report\u202efdp.exe', 'a\u2066b', 'bell\u0007', 'esc\u001b[31m', 'c1\u0085']) {
      expect(await failing({ name: bad, notes: 'fine' })).toEqual(['name']);
      expect(await failing({ name: 'fine', notes: bad })).toEqual(['notes']);
    }
    expect(await failing({ name: 'two\nlines', notes: 'fine' })).toEqual(['name']);
  });
});
