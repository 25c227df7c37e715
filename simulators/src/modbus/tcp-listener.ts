/** A TCP listener that keeps its connections, so closing it ends them all (a simulator's stop). */
import net from 'node:net';

export class TcpListener {
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly host: string,
    readonly port: number,
  ) {}

  /** Resolves once listening (port 0: any free one); `accept` gets each connection. */
  static async listen(host: string, port: number, accept: (socket: net.Socket) => void): Promise<TcpListener> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const listener = new TcpListener(server, host, (server.address() as net.AddressInfo).port);
    server.on('connection', (socket) => {
      socket.setNoDelay(true);
      listener.sockets.add(socket);
      socket.on('close', () => listener.sockets.delete(socket));
      accept(socket);
    });
    return listener;
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
