/**
 * `davy-agent device probe`: reads a register range of a Modbus device — one from agent.yaml, or
 * one given by address alone (--tcp, --rtu-over-tcp, --serial) — and prints every byte and word
 * order interpretation side by side, so an engineer can tell which order gives a plausible value.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { formatTable, parseDurationMs, parseHostPort, UsageError, type HostPort } from '@davy/runtime';
import { loadAgentConfig } from '../config/load-agent-config.js';
import { formatRegisters, interpretRegisters, isBitTable, ModbusTcpConnection, modbusTables, orderNames, type ModbusConnection, type ModbusTable } from '../drivers/modbus/index.js';
import { defaultInterFrameGapMs, RtuConnection, type Parity, type RtuLine } from '../drivers/modbus-rtu/index.js';
import type { ResolvedDevice } from '../drivers/registry.js';
import { configOption } from './config-option.js';

interface ProbeOptions {
  config: string;
  tcp?: HostPort;
  rtuOverTcp?: HostPort;
  serial?: string;
  baud: number;
  parity: Parity;
  stopBits: number;
  unitId?: number;
  table: ModbusTable;
  address: number;
  count: number;
  timeout?: number;
}

interface Target {
  connection: ModbusConnection;
  unitId: number;
}

const defaultTimeoutMs = 1000;

export function probeCommand(): Command {
  return new Command('probe')
    .description('Read a Modbus register range and print it every way a device may lay values out (16/32/64-bit, integer and float, every byte and word order)')
    .argument('[name]', 'a Modbus device from agent.yaml: its address, unit id and timeout are used')
    .addOption(configOption())
    .addOption(new Option('--tcp <host:port>', 'probe a Modbus TCP device (no agent.yaml needed)').argParser(hostPort))
    .addOption(new Option('--rtu-over-tcp <host:port>', 'probe through a serial server (DTU) passing RTU frames over TCP').argParser(hostPort))
    .option('--serial <path>', 'probe a Modbus RTU device on a serial port, e.g. /dev/ttyUSB0')
    .addOption(new Option('--baud <rate>', 'serial: the line speed').argParser(integerIn(300, 921_600)).default(9600))
    .addOption(new Option('--parity <parity>', 'serial: the parity').choices(['none', 'even', 'odd']).default('none'))
    .addOption(new Option('--stop-bits <bits>', 'serial: stop bits, 1 or 2').argParser(integerIn(1, 2)).default(1))
    .addOption(new Option('--unit-id <id>', 'the unit (slave) id (default: the device\'s, else 1)').argParser(integerIn(0, 255)))
    .addOption(new Option('--table <table>', 'the table to read').choices(modbusTables).default('holding'))
    .addOption(new Option('--address <address>', 'the 0-based first address (holding register 40001 in a manual is 0)').argParser(integerIn(0, 65535)).default(0))
    .addOption(new Option('--count <count>', 'registers (1-125) or bits (1-2000) to read').argParser(integerIn(1, 2000)).default(8))
    .addOption(new Option('--timeout <duration>', 'how long to wait for the reply, e.g. 2s (default: the device\'s, else 1s)').argParser(duration))
    .addHelpText('after', '\nExamples:\n  davy-agent device probe meter-1 --table input --address 0 --count 8\n  davy-agent device probe --rtu-over-tcp 10.0.0.7:4001 --unit-id 3 --address 40000 --count 10\n  davy-agent device probe --serial /dev/ttyUSB0 --baud 9600 --parity none --unit-id 1')
    .action(async (name: string | undefined, options: ProbeOptions) => {
      const bits = isBitTable(options.table);
      const limit = bits ? 2000 : 125;
      if (options.count > limit) throw new UsageError(`--count ${options.count}: one request reads at most ${limit} ${bits ? 'bits' : 'registers'}`);
      if (options.address + options.count > 65536) throw new UsageError(`--address ${options.address} --count ${options.count} runs past the last address, 65535`);
      const target = name === undefined ? targetFromFlags(options) : targetFromConfig(name, options);
      const range = { table: options.table, start: options.address, count: options.count };
      const { connection, unitId } = target;
      const started = Date.now();
      await connection.connect();
      let data: Buffer;
      try {
        data = await connection.read(unitId, range);
      } catch (error) {
        throw new Error(`${connection.where} unit ${unitId}: ${(error as Error).message}`);
      } finally {
        connection.close();
      }
      const last = options.address + options.count - 1;
      const what = `${options.table} ${options.address}-${last} (${options.count} ${bits ? 'bits' : 'registers'})`;
      process.stdout.write(`${connection.where} unit ${unitId}: ${what} read in ${Date.now() - started} ms\n\n`);
      process.stdout.write(bits ? bitTable(data, options.address) : registerTables(data, options.address));
    });
}

function targetFromFlags(options: ProbeOptions): Target {
  const given = [options.tcp && '--tcp', options.rtuOverTcp && '--rtu-over-tcp', options.serial !== undefined && '--serial'].filter(Boolean);
  if (given.length !== 1) {
    throw new UsageError(
      given.length === 0
        ? 'say what to probe: a device NAME from agent.yaml, or --tcp HOST:PORT, --rtu-over-tcp HOST:PORT or --serial PATH'
        : `${given.join(' and ')}: probe one device at a time`,
    );
  }
  const timeoutMs = options.timeout ?? defaultTimeoutMs;
  const unitId = options.unitId ?? 1;
  if (options.tcp) return { connection: new ModbusTcpConnection(options.tcp.host, options.tcp.port, timeoutMs), unitId };
  const line: RtuLine = options.rtuOverTcp
    ? { kind: 'tcp', ...options.rtuOverTcp }
    : { kind: 'serial', path: options.serial!, baudRate: options.baud, parity: options.parity, dataBits: 8, stopBits: options.stopBits };
  return { connection: new RtuConnection(line, defaultInterFrameGapMs(line), timeoutMs), unitId };
}

function targetFromConfig(name: string, options: ProbeOptions): Target {
  if (options.tcp || options.rtuOverTcp || options.serial !== undefined) throw new UsageError(`a device NAME (${name}) and an address flag: give one of the two`);
  const config = loadAgentConfig(options.config);
  const device: ResolvedDevice | undefined = config.devices.find((candidate) => candidate.name === name);
  if (!device) throw new UsageError(`no device "${name}" in ${config.file}; devices: ${config.devices.map((d) => d.name).join(', ') || '(none)'}`);
  switch (device.protocol) {
    case 'modbus-tcp':
      return { connection: new ModbusTcpConnection(device.host, device.port, options.timeout ?? device.timeoutMs), unitId: options.unitId ?? device.unitId };
    case 'modbus-rtu':
    case 'modbus-rtu-over-tcp':
      return { connection: new RtuConnection(device.line, device.interFrameGapMs, options.timeout ?? device.timeoutMs), unitId: options.unitId ?? device.unitId };
    default:
      throw new UsageError(`device ${name} is a ${device.protocol} device: probe reads Modbus devices (modbus-tcp, modbus-rtu, modbus-rtu-over-tcp)`);
  }
}

function registerTables(data: Buffer, address: number): string {
  const sections = interpretRegisters(data, address);
  const titles = { 1: '16-bit values', 2: '32-bit values (ADDR and ADDR+1)', 4: '64-bit values (ADDR to ADDR+3)' };
  const text = [`registers: ${formatRegisters(data)}\n`];
  for (const section of sections) {
    const rows = section.rows.map((row) => [row.address, row.type, ...row.cells.map((cell) => (cell.implausible ? `${cell.text} ?` : cell.text))]);
    text.push(`${titles[section.registers]}\n${formatTable(['ADDR', 'TYPE', ...section.orders.map((order) => `${order} (${orderNames[order]})`)], rows)}`);
  }
  if (sections.some((section) => section.rows.some((row) => row.cells.some((cell) => cell.implausible)))) {
    text.push('? implausible as a measurement: NaN, infinite, or a float beyond 1e±15 — usually the exponent of a wrong order\n');
  }
  return text.join('\n');
}

function bitTable(data: Buffer, address: number): string {
  return formatTable(['ADDR', 'VALUE'], [...data].map((bit, index) => [address + index, bit]));
}

function integerIn(min: number, max: number): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return value;
  };
}

function hostPort(text: string): HostPort {
  const parsed = parseHostPort(text, '');
  if (!parsed || parsed.host === '') throw new InvalidArgumentError('expected HOST:PORT, e.g. 10.0.0.7:4001');
  return parsed;
}

function duration(text: string): number {
  const ms = parseDurationMs(text);
  if (ms === undefined || ms === 0) throw new InvalidArgumentError('expected a duration like 500ms or 2s');
  return ms;
}
