/**
 * Config error cases, one folder each under config-errors/: an agent.yaml (and any profile it
 * names) and expected.txt, the exact message davy-agent must print, with exit code 2. The
 * repository's path is written <repo> in expected.txt.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repoRoot, runDavy } from '@davy/runtime/testing';

const casesDir = fileURLToPath(new URL('./config-errors', import.meta.url));

describe('agent config errors', () => {
  for (const name of readdirSync(casesDir).sort()) {
    it.concurrent(name, async () => {
      const dir = path.join(casesDir, name);
      const { code, output } = await runDavy('edge-agent', ['device', 'list', '--config', 'agent.yaml'], { cwd: dir });
      const expected = readFileSync(path.join(dir, 'expected.txt'), 'utf8').trimEnd();
      expect(output.replaceAll(repoRoot, '<repo>')).toBe(expected);
      expect(code).toBe(2);
    });
  }

  it('every case has its expected message', () => {
    for (const name of readdirSync(casesDir)) expect(existsSync(path.join(casesDir, name, 'expected.txt')), name).toBe(true);
  });
});
