/** A minimal Exchange for dispatching straight into a server in unit tests. */
import type { JsonRpcNotification, JsonRpcRequest, Params } from '../../src/protocol/jsonrpc.ts';
import type { LegacySession } from '../../src/store/legacy-session.ts';
import type { AuthInfo, Exchange } from '../../src/transport/exchange.ts';
import type { McpServer } from '../../src/server/server.ts';
import { MODERN_META } from './http.ts';

export class TestExchange implements Exchange {
  readonly session: LegacySession | undefined;
  readonly auth: AuthInfo | undefined;
  readonly sent: Array<JsonRpcNotification | JsonRpcRequest> = [];
  readonly controller = new AbortController();

  constructor(options: { session?: LegacySession; auth?: AuthInfo } = {}) {
    this.session = options.session;
    this.auth = options.auth;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get cancelled(): boolean {
    return this.controller.signal.aborted;
  }

  send(message: JsonRpcNotification | JsonRpcRequest): void {
    this.sent.push(message);
  }
}

let nextId = 1;

/** Sends one modern request straight to the server; resolves with the result or the error. */
export async function modern(server: McpServer, method: string, params: Params = {}, options: { auth?: AuthInfo; capabilities?: object } = {}) {
  const meta = { ...MODERN_META, ...(options.capabilities ? { 'io.modelcontextprotocol/clientCapabilities': options.capabilities } : {}), ...params._meta };
  const exchange = new TestExchange({ auth: options.auth });
  const response = await server.dispatch({ jsonrpc: '2.0', id: nextId++, method, params: { ...params, _meta: meta } }, exchange);
  return { response: response as any, exchange };
}
