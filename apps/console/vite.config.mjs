import { fileURLToPath } from 'url';
import { defineConfig } from 'vite';

// Preact through esbuild's automatic JSX runtime: no framework plugin (docs/adr/055-console-stack.md).
const here = fileURLToPath(new URL('.', import.meta.url));
export default defineConfig({
  root: here,
  base: '/console/',
  logLevel: 'warn',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // One small bundle; no inline module preload polyfill script (a future CSP forbids inline scripts).
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
});
