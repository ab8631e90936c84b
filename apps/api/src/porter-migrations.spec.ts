import { porterMigrations } from './porter-migrations';

describe('porterMigrations', () => {
  it("names every module's migrations without loading them (processes that never migrate import the lists)", () => {
    expect(porterMigrations.length).toBeGreaterThanOrEqual(19);
    for (const entry of porterMigrations) {
      expect(entry.name).toMatch(/^Migration\d{14}\w+$/);
      expect(typeof Object.getOwnPropertyDescriptor(entry, 'class')?.get).toBe('function');
    }
    expect(new Set(porterMigrations.map((m) => m.name)).size).toBe(porterMigrations.length);
  });

  it('loads each class on demand, and it is the named migration', () => {
    for (const entry of porterMigrations) {
      expect(typeof entry.class).toBe('function');
      expect((entry.class as { name: string }).name).toBe(entry.name);
    }
  });
});
