/**
 * Secrets of the drivers that read devices over the network (MQTT and HTTP passwords, bearer
 * tokens) come from an environment variable or a file named in agent.yaml, never from
 * agent.yaml itself. They are checked when agent.yaml loads (a missing one is a config error
 * that names the variable or file, not a driver retrying in vain) and read when a driver starts.
 * The certificate files those drivers name are checked the same way (`fileProblem`).
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { z } from 'zod';

export const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'an environment variable name holds letters, digits and "_", e.g. MQTT_PASSWORD' });

export type SecretSource = { env: string } | { file: string };

export class SecretError extends Error {}

export function readSecret(source: SecretSource): string {
  const read = tryRead(source);
  if ('problem' in read) throw new SecretError(`${read.problem.message}: ${read.problem.fix}`);
  return read.secret;
}

/** Why the secret cannot be read, for a config check; undefined when it can. */
export function secretProblem(source: SecretSource): { message: string; fix: string } | undefined {
  const read = tryRead(source);
  return 'problem' in read ? read.problem : undefined;
}

function tryRead(source: SecretSource): { secret: string } | { problem: { message: string; fix: string } } {
  if ('env' in source) {
    const value = process.env[source.env];
    if (value === undefined || value === '') return { problem: { message: `environment variable ${source.env} is not set`, fix: "set it in the agent's environment (e.g. its systemd unit)" } };
    return { secret: value };
  }
  try {
    // One line: a trailing newline from an editor or `echo` is not part of the secret.
    return { secret: readFileSync(source.file, 'utf8').replace(/\r?\n$/, '') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return { problem: { message: `cannot read the secret file ${source.file} (${code})`, fix: 'check the path and that the agent may read it' } };
  }
}

/** Why the agent cannot read `file` (e.g. a TLS certificate), as the error code; undefined when it can. */
export function fileProblem(file: string): string | undefined {
  try {
    accessSync(file, constants.R_OK);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}
