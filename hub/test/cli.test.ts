/**
 * davy-hub as an operator starts it: the first start generates the API token and hands it
 * over once, later starts do not, the token works, and a wrong flag is a usage error.
 */
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, type TestContext } from 'vitest';
import { ManagedProcess, runDavy, tempDir } from '@davy/runtime/testing';

const { dir, remove } = tempDir('davy-hub-cli-');
afterAll(remove);

async function startHub(context: TestContext): Promise<{ hub: ManagedProcess; api: string }> {
  const hub = ManagedProcess.davy('hub', ['start', '--data', dir, '--http', '127.0.0.1:0', '--grpc', '127.0.0.1:0'], { env: { DAVY_HUB_TOKEN: '' } });
  context.onTestFinished(() => hub.stop());
  const { port } = await hub.waitForEvent('http.listening');
  return { hub, api: `http://127.0.0.1:${port as number}/api/v1` };
}

describe('davy-hub start', () => {
  it('writes a generated token to a file of its own on first start only, and that token opens the API', async (context) => {
    const first = await startHub(context);
    const written = await first.hub.waitForEvent('api.token_written');
    expect(written.file).toBe(path.join(dir, 'api-token'));
    expect(statSync(written.file as string).mode & 0o777).toBe(0o600);
    const token = readFileSync(written.file as string, 'utf8').trim();
    expect(token).toMatch(/^davy_[A-Za-z0-9_-]{43}$/);
    // Not on stdout (a service's journal keeps it), not in a log line.
    expect(first.hub.lines.some((text) => text.includes(token))).toBe(false);
    // The first admin's password likewise, once; it signs in, and must be changed first.
    const adminFile = (await first.hub.waitForEvent('api.first_admin_written')).file as string;
    expect([adminFile, statSync(adminFile).mode & 0o777]).toEqual([path.join(dir, 'first-admin-password'), 0o600]);
    const adminPassword = readFileSync(adminFile, 'utf8').trim();
    expect(first.hub.lines.some((text) => text.includes(adminPassword))).toBe(false);
    const login = await fetch(`${first.api}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'admin', password: adminPassword }) });
    expect(await login.json()).toMatchObject({ mustChangePassword: true, user: { name: 'admin', role: 'platform_admin' } });
    await first.hub.stop();
    rmSync(written.file as string);
    rmSync(adminFile);

    const second = await startHub(context);
    const response = await fetch(`${second.api}/gateways`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ items: [] });
    expect((await fetch(`${second.api}/gateways`)).status).toBe(401);
    await second.hub.stop();
    expect(second.hub.events().some((event) => event.event === 'api.token_written')).toBe(false);
    expect(existsSync(path.join(dir, 'api-token'))).toBe(false);
    expect(second.hub.events().some((event) => event.event === 'api.first_admin_written')).toBe(false);
  });

  it('keeps gRPC ingest on loopback unless told otherwise', async () => {
    const { code, output } = await runDavy('hub', ['start', '--data', dir, '--grpc', '0.0.0.0:0']);
    expect(code).toBe(2);
    expect(output).toBe(
      'davy-hub: --grpc 0.0.0.0:0 would take batches from anyone who can reach it: gateways do not authenticate yet. ' +
        'Keep ingest on loopback and bring gateways in over a VPN or SSH tunnel, or add --allow-remote-ingest on a network you trust',
    );
  });

  it('rejects a malformed address with exit code 2', async () => {
    const { code, output } = await runDavy('hub', ['start', '--data', dir, '--http', 'localhost:http']);
    expect(code).toBe(2);
    expect(output).toBe('davy-hub: --http "localhost:http" is not an address for the REST API; write it as host:port (e.g. 127.0.0.1:8080) or a port');
  });
});
