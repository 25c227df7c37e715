/**
 * A TCP proxy a test controls, to cut the line between two processes. A cut freezes every
 * open connection (bytes stop, as when a VPN line drops) and holds new ones; when it ends the
 * frozen connections are destroyed, as a real dead line's are, and new ones pass again.
 */
import net from 'node:net';

export class TcpProxy {
  private server?: net.Server;
  private readonly pairs = new Set<{ client: net.Socket; upstream?: net.Socket }>();
  private cutUntil = 0;
  port = 0;

  constructor(private readonly targetPort: number, private readonly targetHost = '127.0.0.1') {}

  async start(port = 0): Promise<number> {
    this.server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  get isCut(): boolean {
    return Date.now() < this.cutUntil;
  }

  private accept(client: net.Socket): void {
    const pair: { client: net.Socket; upstream?: net.Socket } = { client };
    this.pairs.add(pair);
    client.on('error', () => undefined);
    client.on('close', () => {
      pair.upstream?.destroy();
      this.pairs.delete(pair);
    });
    if (this.isCut) {
      client.pause(); // held, like a SYN into a dead line; destroyed when the cut ends
      return;
    }
    this.connect(pair);
  }

  private connect(pair: { client: net.Socket; upstream?: net.Socket }): void {
    const upstream = net.connect(this.targetPort, this.targetHost);
    pair.upstream = upstream;
    upstream.on('error', () => pair.client.destroy());
    upstream.on('close', () => pair.client.destroy());
    pair.client.pipe(upstream);
    upstream.pipe(pair.client);
  }

  /**
   * Freezes the line for `ms`; resolves when it is restored. With `repliesLostFirstMs`, the
   * first part of the cut stops only the replies (server → client) while requests still pass:
   * the server acts on what it gets but its answers never arrive, as on a line that fails one
   * way first.
   */
  async cut(ms: number, options: { repliesLostFirstMs?: number } = {}): Promise<void> {
    this.cutUntil = Date.now() + ms;
    const oneWayMs = Math.min(ms, options.repliesLostFirstMs ?? 0);
    for (const { client, upstream } of this.pairs) {
      upstream?.unpipe();
      upstream?.pause();
      if (oneWayMs === 0) this.freezeRequests(client);
    }
    if (oneWayMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, oneWayMs));
      for (const { client } of this.pairs) this.freezeRequests(client);
    }
    await new Promise((resolve) => setTimeout(resolve, ms - oneWayMs));
    this.cutUntil = 0;
    for (const { client, upstream } of [...this.pairs]) {
      client.destroy();
      upstream?.destroy();
    }
  }

  private freezeRequests(client: net.Socket): void {
    client.unpipe();
    client.pause();
  }

  async close(): Promise<void> {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream?.destroy();
    }
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
