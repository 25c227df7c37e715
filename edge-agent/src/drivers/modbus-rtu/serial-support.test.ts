import { describe, expect, it } from 'vitest';
import { serialSupportProblem } from './serial-support.js';

describe('serial port support', () => {
  it('is there when serialport is installed (it is, for the test suite)', () => {
    expect(serialSupportProblem()).toBeUndefined();
  });

  it('names the missing package and the fix when it is not', () => {
    const missing = () => {
      throw Object.assign(new Error("Cannot find module 'serialport'"), { code: 'MODULE_NOT_FOUND' });
    };
    expect(serialSupportProblem(missing)).toBe(
      'serial port support is not installed: the optional package serialport cannot be loaded (MODULE_NOT_FOUND); ' +
        'fix: install the agent with its optional dependencies (pnpm install, without --no-optional), or add serialport@13 to it',
    );
  });
});
