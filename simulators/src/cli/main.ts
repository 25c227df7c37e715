#!/usr/bin/env node
/** davy-sim: simulated field devices, one subcommand per protocol. */
import { Command } from 'commander';
import { runCli } from '@davy/runtime';
import { addModbusCommand } from '../modbus/command.js';
import { addOpcuaCommand } from '../opcua/command.js';
import { addMqttCommand } from '../mqtt/command.js';

const program = new Command('davy-sim')
  .description('Simulated field devices serving Davy device profiles, for tests and demos without hardware');

addModbusCommand(program);
addOpcuaCommand(program);
addMqttCommand(program);

await runCli(program);
