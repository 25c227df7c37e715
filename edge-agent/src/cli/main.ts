#!/usr/bin/env node
/** davy-agent: the gateway agent's command line. */
import { Command } from 'commander';
import { runCli } from '@davy/runtime';
import { deviceCommand } from './device-commands.js';
import { startCommand } from './start-command.js';
import { statusCommand } from './status-command.js';

const program = new Command('davy-agent')
  .description('Davy edge agent: reads field devices, buffers in a SQLite outbox, streams to the hub exactly once')
  .version('0.1.0')
  .addCommand(startCommand())
  .addCommand(deviceCommand())
  .addCommand(statusCommand());

await runCli(program);
