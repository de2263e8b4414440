/**
 * The README's example, kept compiling: two tools, progress, cancellation, and input from the
 * user in whichever era the client speaks. Run: node examples/weather-server.ts
 */
import { McpServer, serveHttp } from '../src/index.ts';

const server = new McpServer({ name: 'weather', version: '1.0.0' });

server.tool('forecast', {
  description: 'Forecast for a city',
  inputSchema: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 1 } }, required: ['city'] },
}, async ({ city, days = 1 }, ctx) => {
  ctx.progress(0, days, `looking up ${city}`);
  if (ctx.signal.aborted) return 'cancelled';
  return `Sunny in ${city} for ${days} day(s)`;
});

server.tool('delete_file', {
  inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
}, async ({ path }, ctx) => {
  const answer = await ctx.elicit({ message: `Delete ${path}?`,
    requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean' } }, required: ['confirm'] } });
  return answer.content?.confirm ? `deleted ${path}` : 'kept it';
});

const { url } = await serveHttp(server, { port: 3000 });
console.error(`listening on ${url}`);
