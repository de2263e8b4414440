/**
 * Bundles the `mcp-core` binary into dist/bin/ from the compiled library (dist/, written by tsc
 * just before): one file holding every module a run loads at start, and chunks for what only
 * some runs load (the HTTP stack, the gateway, cluster workers). Dependencies stay external,
 * resolved from node_modules.
 *
 * rollup (its WebAssembly build: no platform binary to install), not esbuild: esbuild splits
 * into one chunk per set of entry points sharing a module, so a module the start needs that an
 * HTTP or gateway chunk also needs lands in a chunk of its own, and a stdio server's start
 * loaded some thirty files. rollup leaves in the entry what the entry loads anyway; each file
 * Node loads costs resolving, reading and linking, and one file instead of thirty took 6 ms off
 * a stdio server's cold start (docs/ARCHITECTURE.md).
 */
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rollup, type Plugin } from '@rollup/wasm-node';

const root = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
const dependencies = Object.keys(pkg.dependencies ?? {});
const builtins = new Set(builtinModules);

const external = (id: string) => id.startsWith('node:') || builtins.has(id) || dependencies.some((name) => id === name || id.startsWith(`${name}/`));

/** The config validator precompiled (scripts/config-validator-code.ts) instead of compiled at startup. */
const precompiledConfigValidator: Plugin = {
  name: 'precompiled-config-validator',
  async load(id) {
    if (!id.endsWith(join('dist', 'config', 'validator.js'))) return null;
    const { configValidatorModule } = await import('./config-validator-code.ts');
    return configValidatorModule();
  },
};

const bundle = await rollup({
  input: { 'mcp-core': join(root, 'dist/cli/bin.js') },
  external,
  plugins: [precompiledConfigValidator],
  onwarn(warning, warn) {
    // Cycles between modules are fine in ES modules and rollup keeps their order.
    if (warning.code !== 'CIRCULAR_DEPENDENCY') warn(warning);
  },
});
await bundle.write({ dir: join(root, 'dist/bin'), format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' });
await bundle.close();
console.log('bundled dist/bin/mcp-core.js');
