/**
 * A TCP relay on a free loopback port in front of a server (Redis), whose client-to-server
 * direction can be held and let go: what a client writes meanwhile waits in the relay, in
 * order, as a write slowed on its way does. The other direction always flows. It can also be
 * held from the first command that names a given text (a key prefix): what the client wrote
 * before it goes through, that command and everything after it wait.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface TcpGate {
  /** `redis://127.0.0.1:<port>`: the relay's address, for a Redis client. */
  readonly url: string;
  /** From now on, bytes from clients wait in the relay. */
  hold(): void;
  /**
   * From the first Redis command whose bytes contain `text` on (a RESP array, cut from what the
   * client wrote before it in the same chunk), bytes from clients wait in the relay.
   */
  holdFrom(text: string): void;
  /** Sends what waited, in order, and lets everything through again. */
  release(): void;
  close(): Promise<void>;
}

export async function startTcpGate(targetPort: number): Promise<TcpGate> {
  let held = false;
  let trigger: Buffer | undefined;
  const waiting: Array<{ chunk: Buffer; to: Socket }> = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      // A side that fails ends the relayed connection, as a cut connection would.
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.pipe(client);
    client.on('data', (chunk: Buffer) => {
      if (!held && trigger !== undefined) {
        const at = chunk.indexOf(trigger);
        if (at !== -1) {
          // The command starts at its array header: the last "\r\n*" before the text, if any.
          const start = chunk.lastIndexOf('\r\n*', at);
          const cut = start === -1 ? 0 : start + 2;
          held = true;
          trigger = undefined;
          if (cut > 0) upstream.write(chunk.subarray(0, cut));
          waiting.push({ chunk: chunk.subarray(cut), to: upstream });
          return;
        }
      }
      if (held) waiting.push({ chunk, to: upstream });
      else upstream.write(chunk);
    });
    client.on('end', () => upstream.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    hold: () => {
      held = true;
    },
    holdFrom: (text) => {
      trigger = Buffer.from(text);
    },
    release: () => {
      held = false;
      trigger = undefined;
      for (const { chunk, to } of waiting.splice(0)) to.write(chunk);
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
