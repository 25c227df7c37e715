/**
 * Who may log in to the embedded broker. Each password is read once from its environment
 * variable or file and kept only as a SHA-256 digest; a login is compared digest to digest in
 * constant time, so neither the secret nor a timing difference leaks from memory.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readSecret } from '../../json-mapping/secret-source.js';
import type { EmbeddedUserDocument } from './embedded-broker-config.js';

export interface BrokerUser {
  username: string;
  /** When set, the only device this user may publish as. */
  device?: string;
  digest: Buffer;
}

const digestOf = (secret: Buffer | string) => createHash('sha256').update(secret).digest();

/** Throws SecretError naming the variable or file when a password cannot be read. */
export function loadBrokerUsers(users: readonly EmbeddedUserDocument[]): BrokerUser[] {
  return users.map((user) => ({
    username: user.username,
    device: user.device,
    digest: digestOf(readSecret(user.passwordEnv !== undefined ? { env: user.passwordEnv } : { file: user.passwordFile! })),
  }));
}

export function passwordMatches(user: BrokerUser, password: Buffer | undefined): boolean {
  return password !== undefined && timingSafeEqual(user.digest, digestOf(password));
}
