/**
 * The generated TypeScript is committed, so a fresh clone needs no code generator. This test
 * regenerates it from the .proto files (buf + ts-proto, both from npm) and fails when the
 * committed copy is stale: run `pnpm gen` and commit.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { tempDir } from '@davy/runtime/testing';

const protoDir = path.resolve(import.meta.dirname, '..');
const { dir, remove } = tempDir('davy-gen-');
afterAll(remove);

function files(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .sort();
}

it('the committed generated code matches the .proto files', () => {
  execFileSync(path.join(protoDir, 'node_modules', '.bin', 'buf'), ['generate', '--output', dir], { cwd: protoDir });
  const committed = path.join(protoDir, 'src', 'gen');
  const fresh = path.join(dir, 'src', 'gen');
  expect(files(fresh)).toEqual(files(committed));
  for (const file of files(committed)) {
    expect(readFileSync(path.join(fresh, file), 'utf8'), `${file} is stale: run pnpm gen`).toBe(readFileSync(path.join(committed, file), 'utf8'));
  }
});
