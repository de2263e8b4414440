/**
 * Protocol revisions mcp-core speaks, and which era each belongs to.
 *
 * Modern revisions carry their version on every request (`_meta`); legacy revisions
 * negotiate it once with `initialize` (spec 2026-07-28, basic/versioning).
 */

/** The stateless revision: per-request `_meta`, no `initialize`, no sessions. */
export const MODERN_VERSION = '2026-07-28';

/** The newest session-based revision, offered to legacy clients that ask for anything unknown. */
export const LATEST_LEGACY_VERSION = '2025-11-25';

export const MODERN_VERSIONS: readonly string[] = [MODERN_VERSION];

export const LEGACY_VERSIONS: readonly string[] = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];

/** Every revision served, newest first: the `supported` list of UnsupportedProtocolVersionError. */
export const SUPPORTED_VERSIONS: readonly string[] = [...MODERN_VERSIONS, ...LEGACY_VERSIONS];

/**
 * The version assumed for an HTTP request in a session that carries no MCP-Protocol-Version
 * header (spec 2025-11-25, transports: "the server SHOULD assume protocol version 2025-03-26").
 */
export const DEFAULT_HEADERLESS_VERSION = '2025-03-26';

export function isModernVersion(version: unknown): boolean {
  return version === MODERN_VERSION;
}

export function isLegacyVersion(version: unknown): boolean {
  return typeof version === 'string' && LEGACY_VERSIONS.includes(version);
}

/**
 * Picks the legacy revision to answer `initialize` with: the client's own when we speak it,
 * otherwise our newest (spec 2025-11-25, lifecycle: version negotiation).
 */
export function negotiateLegacyVersion(requested: unknown): string {
  return isLegacyVersion(requested) ? (requested as string) : LATEST_LEGACY_VERSION;
}

/** Whether a legacy revision is at least `minimum` (dates compare as strings). */
export function legacyAtLeast(version: string, minimum: string): boolean {
  return version >= minimum;
}
