/** `davy-sim modbus` flags that do not fit together are usage errors, found before anything starts. */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { UsageError } from '@davy/runtime';
import { addModbusCommand } from './command.js';

function run(...args: string[]): Promise<unknown> {
  const program = new Command('davy-sim').exitOverride();
  addModbusCommand(program);
  program.commands.forEach((command) => command.exitOverride());
  return program.parseAsync(['node', 'davy-sim', 'modbus', ...args]);
}

describe('davy-sim modbus usage', () => {
  it.each([
    [['--unit', '1=belt-scale'], '--unit: only for a Modbus RTU line; add --rtu-over-tcp or --serial PATH'],
    [['--profile', 'belt-scale', '--fault', '2=silent', '--line-speed', '9600'], '--fault, --line-speed: only for a Modbus RTU line; add --rtu-over-tcp or --serial PATH'],
    [[], 'give the device to serve: --profile NAME|FILE'],
    [['--rtu-over-tcp'], 'give the slaves to serve: --unit ID=PROFILE (repeatable), or --profile NAME|FILE for one'],
    [['--rtu-over-tcp', '--serial', '/dev/null'], '--rtu-over-tcp and --serial: choose one place to serve the line'],
    [['--serial', '/tmp/tty', '--unit', '1=belt-scale', '--fault', '1=drop'], '--fault …=drop: a serial line has no connection to drop; use it with --rtu-over-tcp'],
    [['--rtu-over-tcp', '--unit', '1=belt-scale', '--unit', '1=three-phase-meter'], '--unit 1=… is given twice: every slave on a line needs its own unit id'],
    [['--rtu-over-tcp', '--unit', '1=belt-scale', '--profile', 'belt-scale'], '--unit ID=PROFILE names each slave and its unit id: leave out --profile and --unit-id'],
    [['--rtu-over-tcp', '--unit', '1=belt-scale', '--set', '2:flow_rate.value=5'], '--set 2:flow_rate.value=5: no --unit 2=PROFILE'],
    [['--rtu-over-tcp', '--profile', 'belt-scale', '--set', '2:flow_rate.value=5'], '--set UNIT:…: a unit prefix needs the slaves given with --unit ID=PROFILE'],
    [['--profile', 'belt-scale', '--set', '2:flow_rate.value=5'], '--set UNIT:…: a unit prefix is only for a Modbus RTU line of several slaves (--unit)'],
  ])('%j', async (args, message) => {
    const error: unknown = await run(...args).catch((thrown: unknown) => thrown);
    // A UsageError: davy-sim prints its message and exits with 2.
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(message);
  });

  it('names the form of a bad --unit', async () => {
    await expect(run('--rtu-over-tcp', '--unit', 'belt-scale')).rejects.toMatchObject({
      message: 'error: option \'--unit <ID=PROFILE>\' argument \'belt-scale\' is invalid. "belt-scale" is not ID=PROFILE with an id 1-247, e.g. 3=three-phase-meter',
    });
  });
});
