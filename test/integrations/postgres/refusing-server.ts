/**
 * A stand-in PostgreSQL server that refuses every connection the way a real one does: it reads
 * the client's startup message and answers with an ErrorResponse (protocol 3, "Message Formats")
 * carrying the SQLSTATE code and message a test chooses, then closes. For what the real throwaway
 * cluster cannot be made to say: a message that quotes a connection URL, or a refusal heard on an
 * address other than loopback.
 */
import { createServer, type Server, type Socket } from 'node:net';

export interface RefusingServer {
  port: number;
  /** Connections received. */
  connections: number;
  close(): Promise<void>;
}

function errorResponse(code: string, message: string): Buffer {
  const field = (type: string, text: string) => Buffer.concat([Buffer.from(type, 'ascii'), Buffer.from(text, 'utf8'), Buffer.from([0])]);
  const body = Buffer.concat([field('S', 'FATAL'), field('V', 'FATAL'), field('C', code), field('M', message), Buffer.from([0])]);
  const length = Buffer.alloc(4);
  length.writeInt32BE(body.length + 4);
  return Buffer.concat([Buffer.from('E', 'ascii'), length, body]);
}

export async function startRefusingServer(host: string, code: string, message: string): Promise<RefusingServer> {
  const sockets = new Set<Socket>();
  const state = { connections: 0 };
  const server: Server = createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    // The first packet is the startup message (no SSL was asked for): answer it with the refusal.
    socket.once('data', () => socket.end(errorResponse(code, message)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    get connections() {
      return state.connections;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
