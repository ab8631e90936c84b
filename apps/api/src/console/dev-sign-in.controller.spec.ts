import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { DevSignInBody } from './dev-sign-in.controller';

const failing = async (plain: object) => (await validate(plainToInstance(DevSignInBody, plain))).map((e) => e.property);

describe('DevSignInBody', () => {
  it('takes a user and a tenant without spaces', async () => {
    expect(await failing({ user: 'alice', tenant: 'demo', admin: true })).toEqual([]);
    expect(await failing({ user: 'ålice-ü', tenant: 'acme_1' })).toEqual([]);
  });

  it('refuses spaces and every control character the token verifier refuses, so it never mints a token the API turns away', async () => {
    for (const bad of ['a b', 'a\u0000', 'a\u0001', 'a\u001b', 'a\u007f', 'a\t']) {
      expect(await failing({ user: bad, tenant: 'demo' })).toEqual(['user']);
      expect(await failing({ user: 'alice', tenant: bad })).toEqual(['tenant']);
    }
  });

  it('refuses the user "system", which no token may claim (the platform\'s own work runs as it)', async () => {
    expect(await failing({ user: 'system', tenant: 'demo' })).toEqual(['user']);
  });
});
