import { createConnection, createServer, Server, Socket } from 'net';

/**
 * A TCP forwarder in front of a shared service (the run's Postgres), so a test can make the
 * service unreachable for ONE process and bring it back, without disturbing anything else.
 */
export interface TcpProxy {
  readonly port: number;
  /** Refuses new connections and drops every open one, as if the service went away. */
  cut(): Promise<void>;
  /** Accepts connections again on the same port. */
  restore(): Promise<void>;
  /**
   * Stops answering without closing anything, as a server that is stopped (`kill -STOP`) or
   * frozen: connections are still accepted and open ones stay open, but no byte goes through in
   * either direction. What clients send meanwhile is held, as the server's kernel would buffer it.
   */
  hang(): void;
  /**
   * Ends a hang: held bytes are delivered, held connections reach the service; a connection whose
   * client closed during the hang is closed towards the service after its held bytes (as the
   * server would read them, then the close).
   */
  resume(): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket | null;
  toUpstream: Buffer[];
  toClient: Buffer[];
  clientEnded: boolean;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const pairs = new Set<Pair>();
  let hanging = false;
  let server: Server;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  };
  const dial = (pair: Pair) => {
    const upstream = createConnection(targetPort, targetHost);
    pair.upstream = upstream;
    track(upstream);
    for (const chunk of pair.toUpstream.splice(0)) upstream.write(chunk);
    if (pair.clientEnded) upstream.end();
    upstream.on('data', (chunk: Buffer) => (hanging ? pair.toClient.push(chunk) : pair.client.write(chunk)));
    upstream.on('close', () => {
      pairs.delete(pair);
      pair.client.destroy();
    });
  };
  const listen = (port: number) =>
    new Promise<Server>((resolve, reject) => {
      const s = createServer((client) => {
        track(client);
        const pair: Pair = { client, upstream: null, toUpstream: [], toClient: [], clientEnded: false };
        pairs.add(pair);
        client.on('data', (chunk: Buffer) => (hanging || !pair.upstream ? pair.toUpstream.push(chunk) : pair.upstream.write(chunk)));
        client.on('end', () => {
          pair.clientEnded = true;
          if (!hanging) pair.upstream?.end();
        });
        client.on('close', () => {
          pair.clientEnded = true;
          // During a hang the service has not read the client's last bytes yet: they go, then the close, on resume.
          if (hanging) return;
          pairs.delete(pair);
          pair.upstream?.destroy();
        });
        if (!hanging) dial(pair);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve(s));
    });
  server = await listen(0);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const stop = () =>
    new Promise<void>((resolve) => {
      hanging = false;
      pairs.clear();
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  return {
    port,
    cut: stop,
    restore: async () => {
      server = await listen(port);
    },
    hang: () => {
      hanging = true;
    },
    resume: () => {
      hanging = false;
      for (const pair of [...pairs]) {
        if (!pair.upstream) {
          if (pair.clientEnded) pairs.delete(pair);
          else dial(pair);
          continue;
        }
        for (const chunk of pair.toUpstream.splice(0)) pair.upstream.write(chunk);
        for (const chunk of pair.toClient.splice(0)) pair.client.write(chunk);
        if (pair.clientEnded) {
          pairs.delete(pair);
          pair.upstream.end();
        }
      }
    },
    close: async () => {
      if (server.listening) await stop();
    },
  };
}

/** A forwarder in front of the service of `url` (Postgres, Redis), and the same URL through it. */
export async function proxyFor(url: string, defaultPort: number): Promise<{ proxy: TcpProxy; url: string }> {
  const target = new URL(url);
  const proxy = await startTcpProxy(target.hostname, Number(target.port || defaultPort));
  const through = new URL(url);
  through.hostname = '127.0.0.1';
  through.port = String(proxy.port);
  return { proxy, url: through.toString() };
}
