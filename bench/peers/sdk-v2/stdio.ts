/** SDK v2 over stdio through its serveStdio entry (either era). Usage: node peers/sdk-v2/stdio.ts [--tools N] */
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { toolCount } from '../tool-set.ts';
import { createServer } from './server.ts';

const tools = toolCount(process.argv);
serveStdio(() => createServer(tools));
