/** Empties dist/ before a build, so a package never ships files of modules that are gone. */
import { rmSync } from 'node:fs';
import { join } from 'node:path';

rmSync(join(import.meta.dirname, '..', 'dist'), { recursive: true, force: true });
