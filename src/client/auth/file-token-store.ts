/**
 * A token store in one JSON file, for the command line: logins survive between runs. The file
 * is created with mode 0600 and replaced atomically (write a temporary file, then rename), so
 * a crash never leaves half a file and no other user can read the tokens (OAuth 2.1 Section
 * 7.1: keep tokens confidential in storage).
 */
import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FileTooLarge, readFileUpTo } from '../../protocol/bounded-file.ts';
import { isObject } from './metadata.ts';
import { OAuthError } from './oauth-error.ts';
import type { StoredClient, StoredTokens, TokenStore } from './token-store.ts';

interface FileContents {
  tokens: Record<string, StoredTokens>;
  clients: Record<string, StoredClient>;
}

/**
 * @example
 * const store = new FileTokenStore(join(homedir(), '.config', 'mcp-core', 'tokens.json'));
 */
/**
 * A token store holds at most this much: one sign-in is about 2 KiB, so a few thousand fit, and
 * a store replaced by a huge file (or a link to /dev/zero) was read until memory ran out.
 */
export const MAX_TOKEN_STORE_BYTES = 4 * 1024 * 1024;

export class FileTokenStore implements TokenStore {
  readonly path: string;
  /** Writes in this process go one after another, so none overwrites another's change. */
  #queue: Promise<unknown>;

  constructor(path: string) {
    this.path = path;
    this.#queue = Promise.resolve();
  }

  async #read(): Promise<FileContents> {
    let text: string;
    try {
      text = (await readFileUpTo(this.path, MAX_TOKEN_STORE_BYTES)).toString('utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { tokens: {}, clients: {} };
      if (error instanceof FileTooLarge) throw new OAuthError(`Token store ${this.path} is ${error.message}; remove it to log in again`);
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new OAuthError(`Token store ${this.path} is not valid JSON; remove it to log in again`);
    }
    if (!isObject(parsed) || !isObject(parsed.tokens) || !isObject(parsed.clients)) {
      throw new OAuthError(`Token store ${this.path} is not a token store file; remove it to log in again`);
    }
    return parsed as unknown as FileContents;
  }

  async #write(contents: FileContents): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.${process.pid}.tmp`;
    // Created afresh ('wx' fails rather than follow a link planted at that name); a stale one
    // left by a crash is removed first.
    await rm(temporary, { force: true });
    const file = await open(temporary, 'wx', 0o600);
    try {
      await file.writeFile(`${JSON.stringify(contents, null, 2)}\n`);
    } finally {
      await file.close();
    }
    // The mode given to open() is filtered by the umask; set it exactly.
    await chmod(temporary, 0o600);
    await rename(temporary, this.path).catch(async (error: unknown) => {
      await rm(temporary, { force: true });
      throw error;
    });
  }

  #update(change: (contents: FileContents) => void): Promise<void> {
    const next = this.#queue.then(async () => {
      const contents = await this.#read();
      change(contents);
      await this.#write(contents);
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async getTokens(resource: string): Promise<StoredTokens | undefined> {
    await this.#queue;
    const { tokens } = await this.#read();
    return Object.hasOwn(tokens, resource) ? tokens[resource] : undefined;
  }

  setTokens(resource: string, tokens: StoredTokens): Promise<void> {
    return this.#update((contents) => {
      contents.tokens[resource] = tokens;
    });
  }

  deleteTokens(resource: string): Promise<void> {
    return this.#update((contents) => {
      delete contents.tokens[resource];
    });
  }

  async getClient(issuer: string): Promise<StoredClient | undefined> {
    await this.#queue;
    const { clients } = await this.#read();
    return Object.hasOwn(clients, issuer) ? clients[issuer] : undefined;
  }

  setClient(issuer: string, client: StoredClient): Promise<void> {
    return this.#update((contents) => {
      contents.clients[issuer] = client;
    });
  }

  deleteClient(issuer: string): Promise<void> {
    return this.#update((contents) => {
      delete contents.clients[issuer];
    });
  }
}
