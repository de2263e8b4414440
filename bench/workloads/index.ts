/**
 * Every workload, in the order a run measures them. Adding a workload is one file in this
 * folder that exports a `Workload` (see types.ts), and one line here; see bench/README.md.
 */
import { coldStart } from './cold-start.ts';
import { gatewayOverhead } from './gateway.ts';
import { httpLegacy } from './http-legacy.ts';
import { httpModern } from './http-modern.ts';
import { observabilityCost } from './observability.ts';
import { pythonClients } from './python-clients.ts';
import { pythonTool } from './python-tool.ts';
import { scaleOut } from './scale-out.ts';
import { scaleOutInstances } from './scale-out-instances.ts';
import { securityCost } from './security.ts';
import { sessionsMemory } from './sessions-memory.ts';
import { stdioEcho } from './stdio-echo.ts';
import { stdioLarge10Mb, stdioLarge1Mb } from './stdio-large.ts';
import { toolsListHttp, toolsListStdio } from './tools-list.ts';
import type { Workload } from './types.ts';

export const WORKLOADS: Workload[] = [
  stdioEcho(1),
  stdioEcho(64),
  stdioLarge1Mb,
  stdioLarge10Mb,
  httpModern(1),
  httpModern(64),
  httpLegacy(1),
  httpLegacy(64),
  toolsListStdio(1000),
  toolsListStdio(1001),
  toolsListHttp(1000),
  toolsListHttp(1001),
  gatewayOverhead(1),
  gatewayOverhead(64),
  observabilityCost(64),
  securityCost(64),
  scaleOut(64),
  scaleOutInstances('legacy'),
  scaleOutInstances('modern'),
  pythonClients(1),
  pythonClients(64),
  pythonTool(1),
  pythonTool(64),
  sessionsMemory,
  coldStart,
];
