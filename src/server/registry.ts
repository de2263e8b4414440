/**
 * The shared shape of the tool, prompt and resource registries: entries by key in
 * registration order (which is also the deterministic list order), a list cached until the
 * next change, and a change hook that drives `list_changed` notifications.
 */
import { LocalErrorCode, McpLocalError } from '../protocol/local-errors.ts';

export interface RegistryEntry<Wire> {
  readonly key: string;
  enabled: boolean;
  /** The entry as it appears in a list result. */
  readonly wire: Wire;
}

export class Registry<Entry extends RegistryEntry<Wire>, Wire> {
  readonly #kind: string;
  readonly #entries: Map<string, Entry>;
  readonly #onChange: () => void;
  #list: Wire[] | undefined;

  constructor(kind: string, onChange: () => void) {
    this.#kind = kind;
    this.#entries = new Map();
    this.#onChange = onChange;
    this.#list = undefined;
  }

  add(entry: Entry): Entry {
    if (this.#entries.has(entry.key)) {
      throw new McpLocalError(LocalErrorCode.InvalidArgument, `${this.#kind} ${entry.key} is already registered`);
    }
    this.#entries.set(entry.key, entry);
    this.changed();
    return entry;
  }

  remove(key: string): boolean {
    const removed = this.#entries.delete(key);
    if (removed) this.changed();
    return removed;
  }

  /** The enabled entry under `key`. */
  get(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    return entry?.enabled ? entry : undefined;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Every entry, enabled or not. */
  entries(): IterableIterator<Entry> {
    return this.#entries.values();
  }

  /** Enabled entries in registration order, as list results carry them. */
  list(): readonly Wire[] {
    if (this.#list === undefined) {
      const list: Wire[] = [];
      for (const entry of this.#entries.values()) if (entry.enabled) list.push(entry.wire);
      this.#list = list;
    }
    return this.#list;
  }

  /** Call after mutating an entry in place. */
  changed(): void {
    this.#list = undefined;
    this.#onChange();
  }
}

/** What an entry needs of its registry. */
export interface EntryOwner {
  remove(key: string): boolean;
  changed(): void;
}

/** Base of registered tools, prompts and resources: the handle returned to the author. */
export abstract class RegisteredEntry<Wire> implements RegistryEntry<Wire> {
  abstract readonly key: string;
  abstract readonly wire: Wire;
  enabled: boolean;
  protected readonly registry: EntryOwner;

  constructor(registry: EntryOwner) {
    this.registry = registry;
    this.enabled = true;
  }

  /** Lists the entry again (and notifies clients). */
  enable(): void {
    this.#toggle(true);
  }

  /** Hides the entry from lists and calls (and notifies clients). */
  disable(): void {
    this.#toggle(false);
  }

  remove(): void {
    this.registry.remove(this.key);
  }

  #toggle(enabled: boolean): void {
    if (this.enabled === enabled) return;
    this.enabled = enabled;
    this.registry.changed();
  }
}
