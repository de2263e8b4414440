/**
 * Bundles the `mcp-core` binary into dist/bin/: one file for what every run needs, and split
 * chunks for what only some runs load (the HTTP stack, cluster workers). Loading one file
 * instead of dozens of modules is most of what keeps a stdio server's cold start near a bare
 * Node script's (see bench/RESULTS.md). Dependencies stay external, resolved from node_modules.
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { precompiledConfigValidator } from './bundle-plugins.ts';

const root = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
const external = Object.keys(pkg.dependencies ?? {}).flatMap((name) => [name, `${name}/*`]);

await build({
  entryPoints: { 'mcp-core': join(root, 'src/cli/bin.ts') },
  outdir: join(root, 'dist/bin'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  external,
  plugins: [precompiledConfigValidator()],
  logLevel: 'warning',
});
console.log('bundled dist/bin/mcp-core.js');
