/**
 * Secrets of the drivers that read devices over the network (MQTT and HTTP passwords, bearer
 * tokens) come from an environment variable or a file named in agent.yaml, never from
 * agent.yaml itself, and are read when a driver starts.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'an environment variable name holds letters, digits and "_", e.g. MQTT_PASSWORD' });

export type SecretSource = { env: string } | { file: string };

export class SecretError extends Error {}

export function readSecret(source: SecretSource): string {
  if ('env' in source) {
    const value = process.env[source.env];
    if (value === undefined || value === '') throw new SecretError(`environment variable ${source.env} is not set: set it in the agent's environment (e.g. its systemd unit)`);
    return value;
  }
  try {
    // One line: a trailing newline from an editor or `echo` is not part of the secret.
    return readFileSync(source.file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new SecretError(`cannot read the secret file ${source.file} (${(error as NodeJS.ErrnoException).code ?? String(error)}): check the path and that the agent may read it`);
  }
}
