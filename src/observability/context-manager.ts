/**
 * An OpenTelemetry context manager on an AsyncLocalStorage this package can see. It behaves
 * like `@opentelemetry/context-async-hooks`' AsyncLocalStorageContextManager; the difference
 * is that its storage is public, so the tracing subscriber can bind it to the diagnostics
 * channels (`channel.start.bindStore`): a request's span is then the active span in
 * everything its handler runs, without wrapping the handler.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';

/**
 * @example
 * import { context } from '@opentelemetry/api';
 * context.setGlobalContextManager(new McpContextManager());
 */
export class McpContextManager implements ContextManager {
  readonly storage: AsyncLocalStorage<Context>;

  constructor(storage: AsyncLocalStorage<Context> = new AsyncLocalStorage()) {
    this.storage = storage;
  }

  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.storage.run(context, () => fn.apply(thisArg, args) as ReturnType<F>);
  }

  /** Binds functions; other targets (event emitters included) are returned as they are. */
  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const manager = this;
    const fn = target as unknown as (...args: unknown[]) => unknown;
    return function (this: unknown, ...args: unknown[]) {
      return manager.with(context, () => fn.apply(this, args));
    } as unknown as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.storage.disable();
    return this;
  }
}
