/**
 * `davy-agent device discover` refuses what it is given before it connects, as the agent refuses
 * agent.yaml: exit 2 and a message naming the flag — a missing password variable or trust file,
 * a password that would cross the line unencrypted, an --out file it would overwrite. No server
 * is needed: nothing is asked of the endpoint.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDavy, tempDir } from '@davy/runtime/testing';

const endpoint = 'opc.tcp://127.0.0.1:1';

/** Flags it refuses, and the message it refuses them with (`dir`: where it runs). */
const refusals: Array<{ what: string; args: string[]; message: (dir: string) => string[] }> = [
  {
    what: 'a password variable that is not set',
    args: ['--security-mode', 'SignAndEncrypt', '--user', 'davy', '--password-env', 'DAVY_TEST_UNSET_DISCOVER_PASSWORD'],
    message: () => [
      'davy-agent: --password-env: the environment variable DAVY_TEST_UNSET_DISCOVER_PASSWORD is not set',
      '  fix: export the password of davy in DAVY_TEST_UNSET_DISCOVER_PASSWORD before starting (it is never written in the config)',
    ],
  },
  {
    what: 'a server certificate file that is not there',
    args: ['--security-mode', 'SignAndEncrypt', '--trust-server-certificate', 'server.der'],
    message: (dir) => [
      `davy-agent: --trust-server-certificate: the server certificate file ${path.join(dir, 'server.der')} does not exist`,
      "  fix: copy the server's certificate there, or write auto to trust it when first seen",
    ],
  },
  {
    what: 'a user login over security mode None, without --allow-plain-text-password',
    // PATH is set wherever the tests run: only the security mode is wrong here.
    args: ['--user', 'davy', '--password-env', 'PATH'],
    message: () => [
      'davy-agent: --user: with securityMode None the password of davy may cross the line unencrypted',
      '  fix: use securityMode SignAndEncrypt (the server must offer it), or set allowPlainTextPassword: true in auth if no one else can read the line',
    ],
  },
];

describe('davy-agent device discover: what it is given', () => {
  it.concurrent.for(refusals)('$what', async ({ args, message }, context) => {
    const { dir, remove } = tempDir('davy-discover-cli-');
    context.onTestFinished(remove);
    const { code, output } = await runDavy('edge-agent', ['device', 'discover', endpoint, '--pki', path.join(dir, 'pki'), ...args], { cwd: dir });
    expect(output).toBe(message(dir).join('\n'));
    expect(code).toBe(2);
  });

  it.concurrent('an --out file that exists, unless --force', async (context) => {
    const { dir, remove } = tempDir('davy-discover-out-');
    context.onTestFinished(remove);
    const out = path.join(dir, 'main-fan.yaml');
    writeFileSync(out, '# trimmed by hand\n');
    const { code, output } = await runDavy('edge-agent', ['device', 'discover', endpoint, '--pki', path.join(dir, 'pki'), '--out', out]);
    expect(output).toBe(`davy-agent: --out ${out} exists; add --force to overwrite it, or write to another file`);
    expect(code).toBe(2);
    expect(readFileSync(out, 'utf8')).toBe('# trimmed by hand\n');
  });
});
