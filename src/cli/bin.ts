#!/usr/bin/env node
/**
 * The `mcp-core` binary's entry. It turns on Node's compile cache before anything else is
 * loaded, so that from the second start on the CLI's modules are read from V8's code cache
 * instead of being compiled again: a few milliseconds of every cold start (bench/RESULTS.md).
 * The cache lives in the system's temporary directory and is keyed by each file's content;
 * where it cannot be written, Node carries on without it. `NODE_DISABLE_COMPILE_CACHE=1` turns
 * it off.
 */
import { enableCompileCache } from 'node:module';

enableCompileCache();
await import('./main.ts');
