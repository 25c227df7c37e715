/**
 * pnpm demo, as a newcomer runs it: hub, three simulators and an agent come up, and every
 * device's values are in /series/latest within seconds; Ctrl-C stops it all.
 */
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ManagedProcess, repoRoot, tempDir } from '@davy/runtime/testing';

const { dir, remove } = tempDir('davy-demo-');
afterAll(remove);

it('serves the three devices\' values, then stops on SIGINT', async () => {
  const demo = new ManagedProcess('demo', process.execPath, ['--conditions=source', '--import', 'tsx', path.join(repoRoot, 'scripts', 'demo.ts')], {
    env: { DAVY_DEMO_DIR: dir, DAVY_DEMO_ANY_PORT: '1' },
  });
  try {
    const ready = await demo.waitForEvent('demo.ready', 60_000);
    // The promise is 5 s on an idle machine (measured: about 4 s); the bound here leaves room
    // for a test runner that shares two cores with other tests.
    expect(ready.seconds as number).toBeLessThan(15);
    const response = await fetch(`${ready.api as string}/series/latest`, { headers: { authorization: `Bearer ${ready.token as string}` } });
    const { items } = (await response.json()) as { items: Array<{ device: string; quality: string; value: number }> };
    const byDevice = Object.fromEntries(['meter-1', 'gas-station-1', 'belt-scale-1'].map((device) => [device, items.filter((item) => item.device === device).length]));
    expect(byDevice).toEqual({ 'meter-1': 15, 'gas-station-1': 10, 'belt-scale-1': 4 });
    expect(items.every((item) => item.quality === 'good')).toBe(true);
    expect(demo.tail()).toContain('curl -s -H "Authorization: Bearer');
  } finally {
    demo.kill('SIGINT');
    const { code } = await demo.exited;
    expect(code).toBe(0);
  }
}, 90_000);
