/**
 * `davy-sim modbus`: serves a device profile over Modbus TCP until stopped — or, with
 * --rtu-over-tcp or --serial, a Modbus RTU line of one or several slaves (--unit ID=PROFILE),
 * with faults (--fault) for the agent to meet.
 */
import type { Command } from 'commander';
import { createLogger, untilSignal, UsageError, type Logger } from '@davy/runtime';
import { describeKinds, overrideSyntax, parseOverride, type Override } from '../behaviours/index.js';
import { integerIn, repeatable } from '../cli/options.js';
import { describeFaults, faultSyntax, parseFault, type Fault } from './faults.js';
import { addressSpace } from './register-bank.js';
import { startRtuSimulator, type RtuSlaveOptions } from './rtu-simulator.js';
import { defaultTickMs, startModbusSimulator } from './simulator.js';

interface ModbusCommandOptions {
  profile?: string;
  port: number;
  host: string;
  unitId?: number;
  set?: UnitOverride[];
  tick: number;
  tableSize?: number;
  rtuOverTcp?: boolean;
  serial?: string;
  unit?: Array<{ unitId: number; profile: string }>;
  fault?: Fault[];
  lineSpeed?: number;
}

/** `--set [UNIT:]POINT.PARAM=VALUE`: without a unit, for every slave. */
interface UnitOverride {
  unitId?: number;
  override: Override;
}

function parseUnitOverride(text: string): UnitOverride {
  const match = /^(\d{1,3}):(.*)$/.exec(text);
  return match ? { unitId: Number(match[1]), override: parseOverride(match[2]!) } : { override: parseOverride(text) };
}

function parseUnit(text: string): { unitId: number; profile: string } {
  const match = /^(\d{1,3})=(.+)$/.exec(text);
  const unitId = Number(match?.[1]);
  if (!match || unitId < 1 || unitId > 247) throw new RangeError(`"${text}" is not ID=PROFILE with an id 1-247, e.g. 3=three-phase-meter`);
  return { unitId, profile: match[2]! };
}

export function addModbusCommand(program: Command): void {
  program
    .command('modbus')
    .description('Serve a device profile over Modbus TCP (or a Modbus RTU line of several slaves), with values that change like a real device\'s')
    .option('--profile <name|file>', 'a bundled profile\'s name (e.g. three-phase-meter) or the path to a profile .yaml file')
    .option('--port <port>', 'TCP port; 0 picks a free one (logged)', integerIn(0, 65535), 5020)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--unit-id <id>', 'answer only this unit id (others get no reply); default: answer every unit id', integerIn(0, 255))
    .option(`--set <${overrideSyntax}>`, 'override a point\'s simulate parameter, repeatable (e.g. ch4_working_face.peak=2.0, total.kind=reads); on a line of several slaves, 2:voltage_l1.value=230 is for unit 2 only', repeatable(parseUnitOverride))
    .option('--tick <ms>', 'how often values change', integerIn(1, 3_600_000), defaultTickMs)
    .option('--table-size <addresses>', 'serve at least this many addresses in every table (default: up to each table\'s last point)', integerIn(0, addressSpace))
    .option('--rtu-over-tcp', 'Modbus RTU frames (address, PDU, CRC) over TCP, as a serial server (DTU) passes a line through, instead of Modbus TCP')
    .option('--serial <path>', 'Modbus RTU on a serial device instead of TCP, e.g. one end of a socat pty pair')
    .option('--unit <ID=PROFILE>', 'RTU: a slave at unit ID serving PROFILE, repeatable (several slaves on one line); replaces --profile', repeatable(parseUnit))
    .option(`--fault <${faultSyntax}>`, 'RTU: give a unit a fault, repeatable (e.g. 3=silent, 2=crc:5 for every 5th reply)', repeatable(parseFault))
    .option('--line-speed <baud>', 'RTU: reply as late as a serial line at this speed (8N1) would', integerIn(300, 921_600))
    .addHelpText(
      'after',
      `\nSimulate kinds (a point's simulate: block, or --set POINT.kind=…):\n${describeKinds()}\nPoints without a simulate block hold 0.\n\nFaults (--fault UNIT=KIND[:EVERY], RTU only):\n${describeFaults()}`,
    )
    .action(async (options: ModbusCommandOptions) => {
      const logger = createLogger({ component: 'davy-sim' });
      const start = starter(options, logger);
      // Listening for signals before the simulator announces itself: a test may stop it at once.
      const stopped = untilSignal();
      const simulator = await start();
      const signal = await stopped;
      logger.info('modbus.stopping', { signal });
      await simulator.close();
    });
}

/** What the options ask for, checked before anything starts (a usage error exits with 2). */
function starter(options: ModbusCommandOptions, logger: Logger): () => Promise<{ close(): Promise<void> }> {
  const common = { tickMs: options.tick, minTableSize: options.tableSize, logger };
  if (!options.rtuOverTcp && options.serial === undefined) {
    const profile = tcpProfile(options);
    const overrides = options.set?.map(({ override }) => override);
    return () => startModbusSimulator({ ...common, profile, port: options.port, host: options.host, unitId: options.unitId, overrides });
  }
  const slaves = rtuSlaves(options);
  const transport = options.serial !== undefined ? { kind: 'serial' as const, path: options.serial } : { kind: 'tcp' as const, host: options.host, port: options.port };
  return () => startRtuSimulator({ ...common, transport, slaves, faults: options.fault, lineSpeed: options.lineSpeed });
}

function tcpProfile(options: ModbusCommandOptions): string {
  const rtuOnly = (['unit', 'fault', 'lineSpeed'] as const).filter((key) => options[key] !== undefined);
  if (rtuOnly.length > 0) {
    const flags = { unit: '--unit', fault: '--fault', lineSpeed: '--line-speed' };
    throw new UsageError(`${rtuOnly.map((key) => flags[key]).join(', ')}: only for a Modbus RTU line; add --rtu-over-tcp or --serial PATH`);
  }
  if (options.profile === undefined) throw new UsageError('give the device to serve: --profile NAME|FILE');
  if (options.set?.some((set) => set.unitId !== undefined)) throw new UsageError('--set UNIT:…: a unit prefix is only for a Modbus RTU line of several slaves (--unit)');
  return options.profile;
}

function rtuSlaves(options: ModbusCommandOptions): RtuSlaveOptions[] {
  if (options.rtuOverTcp && options.serial !== undefined) throw new UsageError('--rtu-over-tcp and --serial: choose one place to serve the line');
  if (options.serial !== undefined && options.fault?.some((fault) => fault.kind === 'drop')) throw new UsageError('--fault …=drop: a serial line has no connection to drop; use it with --rtu-over-tcp');
  const sets = options.set ?? [];
  if (options.unit === undefined) {
    if (options.profile === undefined) throw new UsageError('give the slaves to serve: --unit ID=PROFILE (repeatable), or --profile NAME|FILE for one');
    if (sets.some((set) => set.unitId !== undefined)) throw new UsageError('--set UNIT:…: a unit prefix needs the slaves given with --unit ID=PROFILE');
    return [{ unitId: options.unitId, profile: options.profile, overrides: sets.map(({ override }) => override) }];
  }
  if (options.profile !== undefined || options.unitId !== undefined) throw new UsageError('--unit ID=PROFILE names each slave and its unit id: leave out --profile and --unit-id');
  const ids = options.unit.map(({ unitId }) => unitId);
  const twice = ids.find((id, index) => ids.indexOf(id) !== index);
  if (twice !== undefined) throw new UsageError(`--unit ${twice}=… is given twice: every slave on a line needs its own unit id`);
  const unknown = sets.find((set) => set.unitId !== undefined && !ids.includes(set.unitId));
  if (unknown) throw new UsageError(`--set ${unknown.unitId}:${unknown.override.text}: no --unit ${unknown.unitId}=PROFILE`);
  return options.unit.map(({ unitId, profile }) => ({
    unitId,
    profile,
    overrides: sets.filter((set) => set.unitId === undefined || set.unitId === unitId).map(({ override }) => override),
  }));
}
