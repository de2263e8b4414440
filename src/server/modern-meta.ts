/**
 * Reading the per-request `_meta` of a modern request (spec 2026-07-28, basic/index: `_meta`).
 * A request missing a required field is malformed (-32602); a version we do not serve gets
 * UnsupportedProtocolVersionError (-32022) listing what we do.
 */
import { isObject } from '../protocol/guards.ts';
import type { Params } from '../protocol/jsonrpc.ts';
import { MetaKey } from '../protocol/meta.ts';
import type { ClientCapabilities, Implementation } from '../protocol/types.ts';
import { isModernVersion, SUPPORTED_VERSIONS } from '../protocol/versions.ts';
import { invalidParams, unsupportedProtocolVersion } from '../protocol/wire-errors.ts';

export interface ModernMeta {
  protocolVersion: string;
  clientCapabilities: ClientCapabilities;
  clientInfo: Implementation | undefined;
}

export function readModernMeta(params: Params | undefined): ModernMeta {
  const meta = params?._meta;
  if (!isObject(meta)) {
    throw invalidParams(`Invalid params: missing _meta with ${MetaKey.ProtocolVersion} and ${MetaKey.ClientCapabilities}`);
  }
  const protocolVersion = meta[MetaKey.ProtocolVersion];
  if (typeof protocolVersion !== 'string' || protocolVersion === '') {
    throw invalidParams(`Invalid params: missing _meta field ${MetaKey.ProtocolVersion}`);
  }
  const clientCapabilities = meta[MetaKey.ClientCapabilities];
  if (!isObject(clientCapabilities)) throw invalidParams(`Invalid params: missing _meta field ${MetaKey.ClientCapabilities}`);
  if (!isModernVersion(protocolVersion)) throw unsupportedProtocolVersion(protocolVersion, SUPPORTED_VERSIONS);
  const clientInfo = meta[MetaKey.ClientInfo];
  return {
    protocolVersion,
    clientCapabilities: clientCapabilities as ClientCapabilities,
    clientInfo: isObject(clientInfo) ? (clientInfo as unknown as Implementation) : undefined,
  };
}
