/**
 * Module and layer rules of Porter (docs/architecture.md). `npm test` runs this
 * over apps, libs, test and bench; test/architecture/boundaries.spec.ts runs it over a fixture
 * (test/fixtures/boundary-violation) that breaks every rule listed here, and asserts that each
 * one fires by name: a new rule without a fixture file that breaks it fails that test.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-deep-import-between-libs',
      comment: 'A lib is reached from another lib only through its index.ts (@porter/<lib>).',
      severity: 'error',
      from: { path: '^libs/([^/]+)/' },
      to: { path: '^libs/([^/]+)/', pathNot: ['^libs/$1/', '^libs/[^/]+/src/index\\.ts$'] },
    },
    {
      name: 'no-deep-import-from-apps',
      comment:
        'Apps, tests and benchmarks use a lib only through its index.ts (@porter/<lib>); the one other door is ' +
        '@porter/platform/tracing, which main.ts loads first (ADR 049).',
      severity: 'error',
      from: { path: '^(apps|test|bench)/' },
      to: { path: '^libs/[^/]+/', pathNot: ['^libs/[^/]+/src/index\\.ts$', '^libs/platform/src/tracing/start\\.ts$'] },
    },
    {
      name: 'no-lib-imports-app',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^(apps|test|bench)/' },
    },
    {
      name: 'shared-kernel-stands-alone',
      comment: 'The shared kernel depends on no other lib.',
      severity: 'error',
      from: { path: '^libs/shared-kernel/' },
      to: { path: '^libs/', pathNot: '^libs/shared-kernel/' },
    },
    {
      name: 'platform-knows-no-module',
      comment: 'Platform services serve modules; they never depend on one.',
      severity: 'error',
      from: { path: '^libs/platform/' },
      to: { path: '^libs/', pathNot: ['^libs/platform/', '^libs/shared-kernel/'] },
    },
    {
      name: 'modules-do-not-use-the-host',
      comment: 'job-queue, exports and imports declare dependencies; the host (directory) implements them, never the reverse.',
      severity: 'error',
      from: { path: '^libs/(job-queue|exports|imports)/' },
      to: { path: '^libs/directory/' },
    },
    {
      name: 'job-queue-knows-no-product-module',
      comment:
        'job-queue is the engine the others run on: it never depends on exports, imports or the host. What it needs from ' +
        'them (handlers, file access policies) it declares as dependency interfaces they implement.',
      severity: 'error',
      from: { path: '^libs/job-queue/' },
      to: { path: '^libs/(exports|imports|directory)/' },
    },
    {
      name: 'exports-and-imports-are-strangers',
      comment: 'exports and imports never depend on each other, not even through their index.ts.',
      severity: 'error',
      from: { path: '^libs/(exports|imports)/' },
      to: { path: '^libs/(exports|imports)/', pathNot: '^libs/$1/' },
    },
    {
      name: 'modules-do-not-use-scheduling',
      comment: 'scheduling is a client of exports (recurring exports); job-queue, exports and imports never depend on it.',
      severity: 'error',
      from: { path: '^libs/(job-queue|exports|imports)/' },
      to: { path: '^libs/scheduling/' },
    },
    {
      name: 'scheduling-reaches-only-exports',
      comment:
        "scheduling uses no product module but exports, and exports only through its index.ts (its commands and queries on the buses): " +
        'not job-queue (an export request submits its own job), not imports, not the host.',
      severity: 'error',
      from: { path: '^libs/scheduling/' },
      to: { path: '^libs/', pathNot: ['^libs/(scheduling|platform|shared-kernel)/', '^libs/exports/src/index\\.ts$'] },
    },
    {
      name: 'modules-do-not-use-webhooks',
      comment: 'Webhooks follow job-queue, exports and imports from their durable state; none of them may know webhooks (ADR 045).',
      severity: 'error',
      from: { path: '^libs/(job-queue|exports|imports)/' },
      to: { path: '^libs/webhooks/' },
    },
    {
      name: 'webhooks-use-public-surfaces',
      comment: 'Webhooks reach the other modules only through their index.ts (public commands, queries, entities).',
      severity: 'error',
      from: { path: '^libs/webhooks/' },
      to: { path: '^libs/(job-queue|exports|imports|directory)/', pathNot: '^libs/[^/]+/src/index\\.ts$' },
    },
    {
      name: 'domain-is-pure',
      comment: 'domain/ imports nothing from application/ or infrastructure/.',
      severity: 'error',
      from: { path: '^libs/[^/]+/src/domain/' },
      to: { path: '^libs/[^/]+/src/(application|infrastructure)/' },
    },
    {
      name: 'domain-has-no-framework',
      comment: 'domain/ uses neither Nest nor the ORM.',
      severity: 'error',
      from: { path: '^libs/[^/]+/src/domain/' },
      to: { path: 'node_modules/(@nestjs|@mikro-orm|bullmq|pg)/' },
    },
    {
      name: 'application-uses-ports-not-infrastructure',
      comment: 'application/ reaches infrastructure only through ports (interfaces + DI tokens).',
      severity: 'error',
      from: { path: '^libs/[^/]+/src/application/' },
      to: { path: '^libs/[^/]+/src/infrastructure/' },
    },
    {
      name: 'public-is-contract-only',
      comment: 'public/ (commands, queries, entities, events, dependencies) exposes no internals.',
      severity: 'error',
      from: { path: '^libs/[^/]+/src/public/' },
      to: { path: '^libs/[^/]+/src/(application|infrastructure|domain)/' },
    },
    {
      name: 'index-exports-contract-only',
      comment:
        "A module's index.ts re-exports its Nest module(s), its migrations and public/** only. " +
        'shared-kernel and platform are foundation libs without layers: all of their src is their contract (ADR 001).',
      severity: 'error',
      from: { path: '^libs/([^/]+)/src/index\\.ts$', pathNot: '^libs/(shared-kernel|platform)/' },
      to: {
        path: '^libs/$1/src/',
        pathNot: ['^libs/$1/src/public/', '[.-]module\\.ts$', '^libs/$1/src/infrastructure/migrations/'],
      },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^dist/', '^test/fixtures/', '^node_modules/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
