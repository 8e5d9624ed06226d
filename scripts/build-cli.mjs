// Bundles the CLI into dist/cli.mjs (dependencies stay external), so that `hostwire` starts without
// compiling TypeScript at every run. bin/hostwire.js falls back to the sources when they are newer.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outfile: 'dist/cli.mjs',
  sourcemap: 'linked',
  logLevel: 'warning',
});
