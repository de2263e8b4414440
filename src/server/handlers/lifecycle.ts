/** `initialize`, `ping`, `logging/setLevel` (legacy) and `server/discover` (modern). */
import { isObject } from '../../protocol/guards.ts';
import { jsonSizeWithin } from '../../protocol/json-size.ts';
import type { Params } from '../../protocol/jsonrpc.ts';
import type { ClientCapabilities, Implementation } from '../../protocol/types.ts';
import { isLoggingLevel } from '../../protocol/types.ts';
import { negotiateLegacyVersion, SUPPORTED_VERSIONS } from '../../protocol/versions.ts';
import { invalidParams } from '../../protocol/wire-errors.ts';
import type { RequestContext } from '../context.ts';
import type { ServerCore } from '../core.ts';

/**
 * Legacy handshake. The session is not `initialized` (and receives no server-initiated
 * messages) until the client's `notifications/initialized`.
 */
export function initialize(core: ServerCore, params: Params, ctx: RequestContext): Record<string, unknown> {
  const session = ctx.session!;
  if (typeof params.protocolVersion !== 'string') throw invalidParams('Invalid params: "protocolVersion" must be a string');
  if (!isObject(params.capabilities)) throw invalidParams('Invalid params: "capabilities" must be an object');
  const clientInfo = isObject(params.clientInfo) ? (params.clientInfo as unknown as Implementation) : undefined;
  // The session keeps both for its lifetime: their size is bounded like any client data kept.
  const kept = jsonSizeWithin([params.capabilities, clientInfo ?? null], core.maxSessionDataBytes);
  if (kept === undefined) {
    throw invalidParams(`Invalid params: "capabilities" and "clientInfo" take more than ${core.maxSessionDataBytes} bytes`);
  }
  session.protocolVersion = negotiateLegacyVersion(params.protocolVersion);
  session.clientCapabilities = params.capabilities as ClientCapabilities;
  session.clientInfo = clientInfo;
  session.dataBytes = kept;
  core.notifier.attach(session);
  const result: Record<string, unknown> = {
    protocolVersion: session.protocolVersion,
    capabilities: core.capabilities,
    serverInfo: core.info,
  };
  if (core.instructions !== undefined) result.instructions = core.instructions;
  return result;
}

export function ping(): Record<string, unknown> {
  return {};
}

export function setLevel(_core: ServerCore, params: Params, ctx: RequestContext): Record<string, unknown> | Promise<Record<string, unknown>> {
  if (!isLoggingLevel(params.level)) throw invalidParams('Invalid params: "level" must be a logging level');
  const session = ctx.session!;
  session.logLevel = params.level;
  return emptyOnceSaved(session.changed());
}

/**
 * `{}` once a change to the session's record is written (at once in memory): the next request,
 * on whichever process serves it, sees the change.
 */
export function emptyOnceSaved(saving: Promise<void> | undefined): Record<string, unknown> | Promise<Record<string, unknown>> {
  return saving === undefined ? {} : saving.then(() => ({}));
}

export function discover(core: ServerCore): Record<string, unknown> {
  const result: Record<string, unknown> = { supportedVersions: SUPPORTED_VERSIONS, capabilities: core.capabilities };
  if (core.instructions !== undefined) result.instructions = core.instructions;
  return result;
}
