/** `davy-sim modbus`: serves a device profile over Modbus TCP until stopped. */
import type { Command } from 'commander';
import { createLogger, untilSignal } from '@davy/runtime';
import { describeKinds, overrideSyntax, parseOverride, type Override } from '../behaviours/index.js';
import { integerIn, repeatable } from '../cli/options.js';
import { addressSpace } from './register-bank.js';
import { defaultTickMs, startModbusSimulator } from './simulator.js';

interface ModbusCommandOptions {
  profile: string;
  port: number;
  host: string;
  unitId?: number;
  set?: Override[];
  tick: number;
  tableSize?: number;
}

export function addModbusCommand(program: Command): void {
  program
    .command('modbus')
    .description('Serve a device profile over Modbus TCP, with values that change like a real device\'s')
    .requiredOption('--profile <name|file>', 'a bundled profile\'s name (e.g. three-phase-meter) or the path to a profile .yaml file')
    .option('--port <port>', 'TCP port; 0 picks a free one (logged)', integerIn(0, 65535), 5020)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--unit-id <id>', 'answer only this unit id (others get no reply); default: answer every unit id', integerIn(0, 255))
    .option(`--set <${overrideSyntax}>`, 'override a point\'s simulate parameter, repeatable (e.g. ch4_working_face.peak=2.0, total.kind=reads)', repeatable(parseOverride))
    .option('--tick <ms>', 'how often values change', integerIn(1, 3_600_000), defaultTickMs)
    .option('--table-size <addresses>', 'serve at least this many addresses in every table (default: up to each table\'s last point)', integerIn(0, addressSpace))
    .addHelpText('after', `\nSimulate kinds (a point's simulate: block, or --set POINT.kind=…):\n${describeKinds()}\nPoints without a simulate block hold 0.`)
    .action(async (options: ModbusCommandOptions) => {
      const logger = createLogger({ component: 'davy-sim' });
      // Listening for signals before the simulator announces itself: a test may stop it at once.
      const stopped = untilSignal();
      const simulator = await startModbusSimulator({
        profile: options.profile,
        port: options.port,
        host: options.host,
        unitId: options.unitId,
        overrides: options.set,
        tickMs: options.tick,
        minTableSize: options.tableSize,
        logger,
      });
      const signal = await stopped;
      logger.info('modbus.stopping', { signal });
      await simulator.close();
    });
}
