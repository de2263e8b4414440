/**
 * Builds the engine the Python package ships: the `mcp-core` binary bundled with every
 * dependency inside (no node_modules where the package is installed), in
 * python/mcp_core/_engine/ laid out as the npm package is (`dist/bin/mcp-core.js` beside a
 * `package.json`). `build.json` records the Node that ran the build (the one `npm ci` pinned),
 * which the package falls back to when no Node 24 is on PATH.
 *
 * Run it before `pip install ./python`: `npm run build:python`.
 */
import { build, type Plugin } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { precompiledConfigValidator, staticRequires, staticRequiresPlugin } from './bundle-plugins.ts';

const root = join(import.meta.dirname, '..');
const engine = join(root, 'python', 'mcp_core', '_engine');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

/**
 * yaml's CommonJS build, imported lazily into a chunk of its own, would have only a default
 * export there; its ES module build (the same code) keeps `parse` a named export.
 */
const yamlAsModule: Plugin = {
  name: 'yaml-as-module',
  setup(build) {
    build.onResolve({ filter: /^yaml$/ }, () => ({ path: join(root, 'node_modules', 'yaml', 'browser', 'index.js') }));
  },
};

rmSync(engine, { recursive: true, force: true });
mkdirSync(engine, { recursive: true });
await build({
  entryPoints: { 'mcp-core': join(root, 'src/cli/bin.ts') },
  outdir: join(engine, 'dist', 'bin'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  // CommonJS dependencies inside an ES module still require Node's own modules.
  banner: { js: "import { createRequire as __mcpCoreCreateRequire } from 'node:module'; const require = __mcpCoreCreateRequire(import.meta.url);" },
  plugins: [precompiledConfigValidator(staticRequires), staticRequiresPlugin, yamlAsModule],
  legalComments: 'linked',
  logLevel: 'warning',
});
writeFileSync(join(engine, 'package.json'), `${JSON.stringify({ name: 'mcp-core-engine', version, type: 'module', private: true }, null, 2)}\n`);
writeFileSync(join(engine, 'build.json'), `${JSON.stringify({ version, node: process.execPath }, null, 2)}\n`);
console.log(`built the Python package's engine in ${engine}`);
