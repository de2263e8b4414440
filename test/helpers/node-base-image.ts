/**
 * A stand-in for the Dockerfile's base image (`docker.io/library/node:24-bookworm-slim`), made
 * from this machine's own files, for building the image where no image registry can be
 * reached. It holds what the Dockerfile uses of the real one:
 *
 * - the Node binary running the tests (Node 24) as /usr/local/bin/node, with the shared
 *   libraries `ldd` lists, at the same paths;
 * - npm (the machine's, pure JavaScript) as /usr/local/bin/npm;
 * - busybox for `/bin/sh`, `/usr/bin/env` (npm's `#!/usr/bin/env node`) and the usual commands;
 * - a `node` user and group (1000), /home/node, /tmp, as in the real image;
 * - the certificates the machine trusts (NODE_EXTRA_CA_CERTS, or the system's bundle), so that
 *   npm in the build reaches the npm registry the way this machine does.
 *
 * It is imported from a tar (no registry, no build), labelled with a hash of its recipe, and
 * made again only when that changes. An image of that name without the label is the real one
 * (pulled on a machine that can): it is used as it is, never replaced.
 *
 * By hand: `./node_modules/.bin/node test/helpers/node-base-image.ts` makes it (podman on the PATH).
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { chmod, chown, copyFile, cp, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Podman } from './podman.ts';

const run = promisify(execFile);
const LABEL = 'io.mcp-core.test.stand-in';
const BUSYBOX_PATHS = ['/bin/busybox', '/usr/bin/busybox'];

/** The base image a Dockerfile names in its `ARG NODE_IMAGE=` (the one its stages build FROM). */
export function baseImageOf(dockerfile: string): string {
  const found = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile);
  if (!found) throw new Error('the Dockerfile has no ARG NODE_IMAGE=... line naming its base image');
  return found[1];
}

/**
 * Makes sure `image` is there: the real one, or an up-to-date stand-in. Resolves with what
 * was found or done.
 */
export async function ensureBaseImage(podman: Podman, image: string): Promise<'real' | 'stand-in, cached' | 'stand-in, made'> {
  const major = /\/node:(\d+)/.exec(image)?.[1];
  if (major !== undefined && major !== process.versions.node.split('.')[0]) throw new Error(`${image} names Node ${major}, but the tests run Node ${process.version}: the stand-in would be another Node`);
  const recipe = await recipeHash();
  const present = await podman.status(['image', 'inspect', '--format', `{{ index .Labels "${LABEL}" }}`, image]);
  if (present.code === 0) {
    const label = present.output.trim();
    if (label === '' || label === '<no value>') return 'real';
    if (label === recipe) return 'stand-in, cached';
  }
  await importStandIn(podman, image, recipe);
  return 'stand-in, made';
}

/**
 * Removes what earlier builds on the stand-in left behind (a new source tree makes new layers
 * each time): untagged images with no children, made from the stand-in, over an hour old (the
 * hour spares a build running beside this one).
 */
export async function removeStaleBuilds(podman: Podman): Promise<void> {
  const { stdout } = await podman.run(['images', '--all', '--quiet', '--filter', 'dangling=true', '--filter', `label=${LABEL}`, '--filter', 'until=1h']);
  for (const id of new Set(stdout.split('\n').filter(Boolean))) await podman.status(['rmi', id]);
}

/**
 * The certificates this machine trusts: NODE_EXTRA_CA_CERTS when set, else the system's bundle
 * (Debian's ca-certificates, which the machine's npm may be told to use in its own npmrc).
 */
function machineCertificates(): string | undefined {
  return [process.env.NODE_EXTRA_CA_CERTS, '/etc/ssl/certs/ca-certificates.crt'].find((path) => path && existsSync(path));
}

function findBusybox(): string | undefined {
  return BUSYBOX_PATHS.find((path) => existsSync(path));
}

/** The npm package directory: the npm running the tests, or the one on the PATH. */
function findNpm(): string {
  const candidates = [process.env.npm_execpath, ...(process.env.PATH ?? '').split(':').map((dir) => join(dir, 'npm'))];
  for (const candidate of candidates) {
    if (!candidate || !existsSync(candidate)) continue;
    let cli: string;
    try {
      cli = realpathSync(candidate);
    } catch {
      continue;
    }
    const dir = dirname(dirname(cli));
    try {
      if (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name === 'npm') return dir;
    } catch {
      // not npm's own directory (a wrapper script): try the next
    }
  }
  throw new Error('npm was not found (npm_execpath, PATH) for the stand-in base image');
}

async function recipeHash(): Promise<string> {
  const npm = JSON.parse(await readFile(join(findNpm(), 'package.json'), 'utf8')).version as string;
  const hash = createHash('sha256');
  // Not the paths of this checkout: every checkout on the machine shares one stand-in, and the layer cache on it.
  hash.update(`node ${process.version} npm ${npm} ${findBusybox()} ${machineCertificates() ?? ''}\n`);
  hash.update(await readFile(import.meta.filename));
  return hash.digest('hex').slice(0, 16);
}

/** The absolute paths of the shared libraries `binary` loads (none for a static binary). */
async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await run('ldd', [binary]).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  return [...stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((match) => match[1]);
}

async function copyInto(root: string, file: string): Promise<void> {
  await mkdir(join(root, dirname(file)), { recursive: true });
  await copyFile(await realpath(file), join(root, file));
}

async function makeRootfs(root: string): Promise<{ env: string[] }> {
  for (const dir of ['bin', 'usr/bin', 'usr/local/bin', 'usr/local/lib/node_modules', 'etc/ssl/certs', 'root', 'home/node', 'tmp']) {
    await mkdir(join(root, dir), { recursive: true });
  }
  await chmod(join(root, 'tmp'), 0o1777);
  await chmod(join(root, 'root'), 0o700);
  // As in the real image: user and group `node`, 1000, home /home/node.
  await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n');
  await writeFile(join(root, 'etc/group'), 'root:x:0:\nnode:x:1000:\n');
  if (process.getuid?.() === 0) await chown(join(root, 'home/node'), 1000, 1000);

  await copyFile(process.execPath, join(root, 'usr/local/bin/node'));
  const busybox = findBusybox()!;
  await copyFile(busybox, join(root, 'bin/busybox'));
  await chmod(join(root, 'bin/busybox'), 0o755);
  for (const library of new Set([...(await sharedLibraries(process.execPath)), ...(await sharedLibraries(busybox))])) await copyInto(root, library);
  const { stdout: applets } = await run(busybox, ['--list']);
  for (const applet of applets.split('\n').filter((name) => name !== '' && name !== 'busybox')) await symlink('busybox', join(root, 'bin', applet));
  await symlink('/bin/busybox', join(root, 'usr/bin/env'));

  await cp(findNpm(), join(root, 'usr/local/lib/node_modules/npm'), { recursive: true, verbatimSymlinks: true });
  await symlink('../lib/node_modules/npm/bin/npm-cli.js', join(root, 'usr/local/bin/npm'));
  await symlink('../lib/node_modules/npm/bin/npx-cli.js', join(root, 'usr/local/bin/npx'));

  const env = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', `NODE_VERSION=${process.version.slice(1)}`];
  const certificates = machineCertificates();
  if (certificates !== undefined) {
    await copyFile(certificates, join(root, 'etc/ssl/certs/machine-ca.crt'));
    env.push('NODE_EXTRA_CA_CERTS=/etc/ssl/certs/machine-ca.crt');
  }
  return { env };
}

async function importStandIn(podman: Podman, image: string, recipe: string): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'mcp-core-base-'));
  try {
    const { env } = await makeRootfs(root);
    const changes = [...env.map((entry) => `ENV ${entry}`), `LABEL ${LABEL}=${recipe}`, 'CMD ["node"]'];
    const tar = spawn('tar', ['--numeric-owner', '-C', root, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await podman.run(['import', ...changes.flatMap((change) => ['--change', change]), '-', image], { input: tar.stdout, timeoutMs: 300_000 });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const [{ Podman, testContainersConf }, { ROOT }] = await Promise.all([import('./podman.ts'), import('./processes.ts')]);
  const conf = await testContainersConf();
  const image = baseImageOf(await readFile(join(ROOT, 'Dockerfile'), 'utf8'));
  console.log(`${image}: ${await ensureBaseImage(new Podman('podman', conf.path), image)}`);
  await conf.remove();
}

