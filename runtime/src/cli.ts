/**
 * How every Davy command ends: 0 on success, 1 when the work failed, 2 when what the user
 * gave (flags, config files) is wrong — the message then says what, where and how to fix it.
 */
import { CommanderError, type Command } from 'commander';
import { ConfigError } from './config/config-error.js';
import { errorMessage } from './log.js';

export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const;

/** A wrong flag value or argument, reported like a config error (exit code 2). */
export class UsageError extends Error {}

export async function runCli(program: Command, argv: string[] = process.argv): Promise<void> {
  // Commander copies these settings only into subcommands created after them: set them on
  // every command, so a usage error anywhere exits with 2.
  const configure = (command: Command) => {
    command.exitOverride();
    command.showHelpAfterError('(add --help for usage)');
    command.commands.forEach(configure);
  };
  configure(program);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = exitCodeFor(program.name(), error);
  }
}

function exitCodeFor(command: string, error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has printed its message (or the help) already.
    return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
  }
  if (error instanceof ConfigError || error instanceof UsageError) {
    process.stderr.write(`${command}: ${error.message}\n`);
    return exitCodes.usage;
  }
  process.stderr.write(`${command}: ${errorMessage(error)}\n`);
  return exitCodes.failed;
}

/** Resolves on SIGINT or SIGTERM, so a long-running command can close cleanly. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals) => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}
