import { lazyMigration } from './migrations';

describe('lazyMigration', () => {
  it('loads the class only when the migrator asks for it, and only once', () => {
    class Migration1 {}
    const load = jest.fn(() => Migration1 as never);
    const migration = lazyMigration('Migration1', load);
    expect(migration.name).toBe('Migration1');
    expect(load).not.toHaveBeenCalled();
    expect(migration.class).toBe(Migration1);
    expect(migration.class).toBe(Migration1);
    expect(load).toHaveBeenCalledTimes(1);
  });
});
