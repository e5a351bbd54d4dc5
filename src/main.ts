import { createServer, type Server } from 'node:http';
import type { Config } from './config.ts';
import { openDatabase } from './db/client.ts';

/** A running instance: its HTTP server and how to stop everything in order. */
export interface RunningSteppingStones {
  server: Server;
  stop(): Promise<void>;
}

/**
 * Composition root: config → database → migrations → one HTTP server (`/healthz`; the Slack receiver mounts at
 * `/slack/events` and Teams at `/api/messages` as their adapters land) → shutdown in reverse order.
 */
export async function startSteppingStones(config: Config, log: (line: string) => void): Promise<RunningSteppingStones> {
  const database = await openDatabase(config.database);
  await database.migrate();
  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/healthz') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ ok: true, database: database.engine }));
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ ok: false, error: 'not_found' }));
  });
  await new Promise<void>((resolve) => server.listen(config.port, resolve));
  log(`Stepping Stones listening on port ${config.port} (database: ${database.engine}).`);
  return {
    server,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await database.close();
    },
  };
}
