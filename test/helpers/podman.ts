/**
 * podman for the container tests: every command bounded in time, with a containers.conf of the
 * tests' own. Its `default_ulimits = []` keeps podman from raising the open-files limit of a
 * container beyond the machine's hard limit, which a sandboxed machine refuses (runc: "error
 * setting rlimits ... operation not permitted"); `--runtime runc` names the runtime Debian
 * installs beside podman. Containers use the host's network: no bridge, no port publishing, so
 * nothing beyond podman and runc is needed.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';

/** How often logLine reads a container's output again. */
const LOG_POLL_MS = 200;

export interface Ran {
  stdout: string;
  stderr: string;
}

export class Podman {
  readonly binary: string;
  readonly #env: NodeJS.ProcessEnv;

  constructor(binary: string, containersConf: string) {
    this.binary = binary;
    this.#env = { ...process.env, CONTAINERS_CONF: containersConf };
  }

  /** Runs `podman ARGS`; rejects with its stderr (the last lines) when it fails or outlives `timeoutMs`. */
  run(args: readonly string[], options: { timeoutMs?: number; input?: NodeJS.ReadableStream } = {}): Promise<Ran> {
    return new Promise((resolve, reject) => {
      const child = execFile(this.binary, args, { env: this.#env, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`podman ${args.slice(0, 2).join(' ')} failed (${error.code ?? error.signal}): ${lastLines(stderr || stdout || error.message, 30)}`));
        else resolve({ stdout, stderr });
      });
      if (options.input) options.input.pipe(child.stdin!);
      else child.stdin!.end();
    });
  }

  /** The exit code of `podman ARGS` (for commands whose failure is an answer, like `healthcheck run`). */
  status(args: readonly string[], timeoutMs = 60_000): Promise<{ code: number; output: string }> {
    return new Promise((resolve) => {
      execFile(this.binary, args, { env: this.#env, timeout: timeoutMs }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, output: stdout + stderr });
      });
    });
  }

  /**
   * Resolves with the first line of a container's output that matches `pattern`. It reads the
   * whole output again until one does, rather than following it: `podman logs --follow`
   * started while the container is stopping does not follow (it reads to the end and exits),
   * and a test that starts `podman stop` beside it would race that.
   */
  async logLine(container: string, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let seen = '';
    for (;;) {
      const { stdout, stderr } = await this.run(['logs', container]);
      seen = stdout + stderr;
      const line = seen.split('\n').find((text) => pattern.test(text));
      if (line !== undefined) return line;
      if (Date.now() > deadline) throw new Error(`no line matching ${pattern} within ${timeoutMs} ms: ${lastLines(seen, 30)}`);
      await setTimeout(LOG_POLL_MS);
    }
  }
}

/** Writes the tests' containers.conf; returns its path and a function that removes it. */
export async function testContainersConf(): Promise<{ path: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-core-podman-'));
  const path = join(dir, 'containers.conf');
  await writeFile(path, '[containers]\ndefault_ulimits = []\n');
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}

export function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

/** A one-file image (static busybox) that answers whether podman can run a container at all. */
const PROBE_IMAGE = 'localhost/mcp-core-test-probe:latest';

/**
 * Why podman cannot run containers on this machine (not installed, no storage, a runtime that
 * fails), or undefined when it can: it imports a busybox-only image once and runs `true` in it.
 */
export async function whyContainersCannotRun(podman: Podman): Promise<string | undefined> {
  try {
    await podman.run(['version', '--format', '{{.Client.Version}}'], { timeoutMs: 30_000 });
  } catch (error) {
    return `podman does not start (${(error as Error).message})`;
  }
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((path) => existsSync(path));
  if (busybox === undefined || !(await isStatic(busybox))) return 'no static busybox for the test images (apt-get install busybox-static)';
  try {
    if ((await podman.status(['image', 'exists', PROBE_IMAGE])).code !== 0) {
      const dir = await mkdtemp(join(tmpdir(), 'mcp-core-probe-'));
      try {
        await mkdir(join(dir, 'bin'));
        await copyFile(busybox, join(dir, 'bin/busybox'));
        await symlink('busybox', join(dir, 'bin/true'));
        const tar = spawn('tar', ['--numeric-owner', '-C', dir, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
        await podman.run(['import', '-', PROBE_IMAGE], { input: tar.stdout, timeoutMs: 60_000 });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    await podman.run(['run', '--rm', '--network', 'host', '--runtime', 'runc', PROBE_IMAGE, '/bin/true'], { timeoutMs: 60_000 });
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

/** Whether `binary` needs no shared library (ldd calls it "not a dynamic executable"). */
function isStatic(binary: string): Promise<boolean> {
  return new Promise((resolve) => execFile('ldd', [binary], (error, stdout, stderr) => resolve(/not a dynamic executable|statically linked/.test(stdout + stderr))));
}
