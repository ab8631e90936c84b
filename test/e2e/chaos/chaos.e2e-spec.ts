import { ChaosFinding, chaosTable, CHAOS_SCENARIOS } from '../../chaos/chaos-scenarios';

/**
 * The chaos scenarios: small in `npm test`, full size with `npm run chaos` (CHAOS_SIZE=full).
 * Each breaks a real part under real processes and fails when anything was lost or duplicated;
 * the table of what each checked and found is printed at the end either way.
 */
const size = process.env.CHAOS_SIZE === 'full' ? 'full' : 'small';

describe(`chaos scenarios (${size})`, () => {
  const findings: ChaosFinding[] = [];
  afterAll(() => {
    if (findings.length) process.stdout.write(`\nchaos (${size}):\n${chaosTable(findings)}\n`);
  });

  it.each(CHAOS_SCENARIOS.map((scenario) => [scenario.name, scenario] as const))('%s', async (_name, scenario) => {
    const finding = await scenario(size);
    findings.push(finding);
    expect({ scenario: finding.scenario, found: finding.found, ok: finding.ok }).toEqual({ scenario: finding.scenario, found: finding.found, ok: true });
  }, size === 'full' ? 900_000 : 240_000);
});
