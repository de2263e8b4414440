/**
 * The sections of the configuration, in the order the schema lists them. A section is one
 * file in this directory that exports its JSON Schema (2020-12) `as const`, defaults included;
 * its settings' TypeScript type is read from that schema (SettingsOf, protocol/schema-types.ts).
 *
 * Adding a section: write its file, then replace its placeholder comment in both lists below
 * (the import, and the entry). The blank lines between entries let sections added at the same
 * time merge without conflict. Then run `npm run generate:config-schema`.
 */
import { server } from './server.ts';

import { http } from './http.ts';

import { tls } from './tls.ts';

import { websocket } from './websocket.ts';

import { auth } from './auth.ts';

import { limits } from './limits.ts';

import { rateLimits } from './rate-limits.ts';

import { stdio } from './stdio.ts';

import { logging } from './logging.ts';

import { metrics } from './metrics.ts';

import { tracing } from './tracing.ts';

import { store } from './store.ts';

import { mcpServers } from './mcp-servers.ts';

import { gateway } from './gateway.ts';

import { demo } from './demo.ts';

import { workers } from './workers.ts';

import { workerHeartbeatTimeoutMs } from './worker-heartbeat.ts';

export const SECTIONS = {
  server,

  http,

  tls,

  websocket,

  auth,

  limits,

  rateLimits,

  stdio,

  logging,

  metrics,

  tracing,

  store,

  mcpServers,

  gateway,

  demo,

  workers,

  workerHeartbeatTimeoutMs,
} as const;
