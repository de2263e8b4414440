/**
 * esbuild plugins of the engine shipped in the Python package (scripts/build-python-engine.ts);
 * the `mcp-core` binary is bundled by rollup (scripts/bundle-cli.ts), with the same
 * precompiled config validator.
 */
import type { Plugin } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const VALIDATOR = /[\\/]src[\\/]config[\\/]validator\.ts$/;

/**
 * The config validator precompiled (scripts/config-validator-code.ts) instead of compiled at
 * startup. `transform` rewrites the generated module (the engine bundle makes its requires static).
 */
export function precompiledConfigValidator(transform: (code: string) => string = (code) => code): Plugin {
  return {
    name: 'precompiled-config-validator',
    setup(build) {
      build.onLoad({ filter: VALIDATOR }, async () => {
        const { configValidatorModule } = await import('./config-validator-code.ts');
        return { contents: transform(configValidatorModule()), loader: 'js', resolveDir: join(root, 'src/config') };
      });
    },
  };
}

const CREATE_REQUIRE = /^const (\w+) = createRequire\(import\.meta\.url\);$/m;

/**
 * Turns `const load = createRequire(import.meta.url); load('ajv')` into `require('ajv')`, which
 * esbuild follows and bundles: a bundle with its dependencies inside has no node_modules to
 * load them from at run time.
 */
export function staticRequires(code: string): string {
  const match = CREATE_REQUIRE.exec(code);
  if (match === null) return code;
  const name = match[1];
  const rest = code.replace(match[0], '');
  return name === 'require' ? rest : rest.replace(new RegExp(`\\b${name}\\(`, 'g'), 'require(');
}

/** Applies {@link staticRequires} to the sources that load modules through createRequire. */
export const staticRequiresPlugin: Plugin = {
  name: 'static-requires',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
      if (VALIDATOR.test(args.path)) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('createRequire(import.meta.url)')) return undefined;
      return { contents: staticRequires(source), loader: 'ts' };
    });
  },
};
