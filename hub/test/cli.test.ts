/**
 * davy-hub as an operator starts it: the first start generates the API token and prints it
 * once, later starts do not, the token works, and a wrong flag is a usage error.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ManagedProcess, runDavy, tempDir } from '@davy/runtime/testing';

const { dir, remove } = tempDir('davy-hub-cli-');
afterAll(remove);

async function startHub(): Promise<{ hub: ManagedProcess; api: string }> {
  const hub = ManagedProcess.davy('hub', ['start', '--data', dir, '--http', '127.0.0.1:0', '--grpc', '127.0.0.1:0'], { env: { DAVY_HUB_TOKEN: '' } });
  const { port } = await hub.waitForEvent('http.listening');
  return { hub, api: `http://127.0.0.1:${port as number}/api/v1` };
}

describe('davy-hub start', () => {
  it('prints a generated token on first start only, and that token opens the API', async () => {
    const first = await startHub();
    const line = await first.hub.waitForLine((text) => text.trim().startsWith('davy_'));
    const token = line.trim();
    expect(token).toMatch(/^davy_[A-Za-z0-9_-]{43}$/);
    // Never in a log line: only in the operator's text output.
    expect(first.hub.events().some((event) => JSON.stringify(event).includes(token))).toBe(false);
    await first.hub.stop();

    const second = await startHub();
    const response = await fetch(`${second.api}/gateways`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ items: [] });
    expect((await fetch(`${second.api}/gateways`)).status).toBe(401);
    await second.hub.stop();
    expect(second.hub.lines.some((text) => text.includes('davy_'))).toBe(false);
  });

  it('rejects a malformed address with exit code 2', async () => {
    const { code, output } = await runDavy('hub', ['start', '--data', dir, '--http', 'localhost:http']);
    expect(code).toBe(2);
    expect(output).toBe('davy-hub: --http "localhost:http" is not an address for the REST API; write it as host:port (e.g. 127.0.0.1:8080) or a port');
  });
});
