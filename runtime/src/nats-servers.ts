/**
 * NATS server URLs as agent.yaml and the hub's settings take them: one or more nats://host:port,
 * separated by commas. No credentials: neither side logs in to NATS yet, and a URL with a
 * password would be shown wherever the servers are logged.
 */
export function parseNatsServers(text: string): { servers: string[] } | { problem: string; fix: string } {
  const fix = 'give nats://host:port, several separated by commas';
  const servers = text.split(',').map((server) => server.trim());
  for (const server of servers) {
    // Before anything that echoes the text: a user or password must never be shown.
    if (server.includes('@')) {
      return { problem: 'holds a user or password, which would be shown in logs', fix: 'give nats://host:port without credentials; Davy does not log in to NATS yet, so keep NATS on loopback or a private network' };
    }
    let url: URL;
    try {
      url = new URL(server);
    } catch {
      return { problem: `holds "${server}", which is not a URL`, fix };
    }
    if (url.protocol !== 'nats:' || url.hostname === '' || (url.pathname !== '' && url.pathname !== '/')) {
      return { problem: `holds "${server}", which is not nats://host:port`, fix };
    }
  }
  return { servers };
}
