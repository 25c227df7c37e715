/**
 * Schemathesis (PyPI, not ours) against a running davy-hub: it reads the hub's OpenAPI
 * document and sends thousands of generated requests — valid, invalid, wrong methods, wrong
 * media types — to every route. No answer may be a 5xx, and every answer must match the status
 * codes, media types, headers and schemas the document gives. (Not checked: that every
 * schema-valid request is accepted — a well-formed credit code with a wrong check character,
 * a division that does not exist or a name taken are refused by design.)
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManagedProcess, tempDir } from '@davy/runtime/testing';

const token = 'davy_schemathesis_token';

describe('the REST API under Schemathesis', () => {
  it('answers every generated request without a 5xx and as its OpenAPI document says', async (context) => {
    const { dir, remove } = tempDir('davy-schemathesis-');
    context.onTestFinished(remove);
    const hub = ManagedProcess.davy('hub', ['start', '--data', path.join(dir, 'data'), '--http', '127.0.0.1:0', '--grpc', '127.0.0.1:0'], { env: { DAVY_HUB_TOKEN: token } });
    context.onTestFinished(() => hub.stop());
    const { port } = await hub.waitForEvent('http.listening');
    const api = `http://127.0.0.1:${port as number}/api/v1`;
    // Something for the routes that read one enterprise or site to find.
    const post = (route: string, body: unknown) => fetch(`${api}${route}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/enterprises', { code: '91350100M000100Y43', name: 'A Coal' })).status).toBe(201);
    expect((await post('/sites', { enterpriseCode: '91350100M000100Y43', name: 'Mine', kind: 'coal_mine', regionCode: '140100' })).status).toBe(201);

    const runner = 'import sys; from schemathesis.cli import schemathesis; sys.argv[0] = "st"; sys.exit(schemathesis())';
    const st = new ManagedProcess('schemathesis', 'python3', [
      '-c',
      runner,
      'run',
      `${api}/openapi.json`,
      '--header',
      `Authorization: Bearer ${token}`,
      '--checks',
      'all',
      '--exclude-checks',
      'positive_data_acceptance',
      '--max-examples',
      '15',
      '--max-time',
      '60',
      '--seed',
      '1',
      '--workers',
      '1',
      '--no-color',
    ], { cwd: dir });
    const { code } = await st.exited;
    const output = st.lines.join('\n');
    expect(code, output.slice(-6_000)).toBe(0);
    // Every operation (Schemathesis counts the document's own route in or out by its mood).
    expect(Number(/Tested: (\d+)/.exec(output)?.[1])).toBeGreaterThanOrEqual(21);
    expect(output).toMatch(/\d+ generated, \d+ passed/);
    expect(hub.events().filter((event) => event.event === 'api.request_failed')).toEqual([]);
  }, 150_000);
});
