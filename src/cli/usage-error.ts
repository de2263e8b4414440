/** A command line that cannot be run as written: `mcp-core` prints its message, then the usage, and exits 2. */
export class UsageError extends Error {}
