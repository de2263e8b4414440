/** SDK v1 over stdio. Usage: node peers/sdk-v1/stdio.ts [--tools N] */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { toolCount } from '../tool-set.ts';
import { createServer } from './server.ts';

await createServer(toolCount(process.argv)).connect(new StdioServerTransport());
