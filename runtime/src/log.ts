/**
 * Structured logs: one JSON object per line on stderr, so stdout stays free for what a
 * command prints for people (tables, the one-time token). Fields that look like secrets are
 * redacted here, once, so no caller can leak one by passing it along.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. the device or gateway it concerns). */
  child(fields: LogFields): Logger;
}

export interface LogSink {
  write(line: string): unknown;
}

const levelRank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const secretKey = /token|password|secret|authorization|api[-_]?key/i;

export function parseLogLevel(value: string | undefined): LogLevel {
  return value === 'debug' || value === 'warn' || value === 'error' ? value : 'info';
}

export function createLogger(options: {
  component: string;
  level?: LogLevel;
  sink?: LogSink;
  fields?: LogFields;
}): Logger {
  const sink = options.sink ?? process.stderr;
  const minRank = levelRank[options.level ?? parseLogLevel(process.env.DAVY_LOG_LEVEL)];
  const base: LogFields = { component: options.component, ...options.fields };

  const make = (bound: LogFields): Logger => {
    const emit = (level: LogLevel, event: string, fields?: LogFields) => {
      if (levelRank[level] < minRank) return;
      const line = { time: new Date().toISOString(), level, event, ...bound, ...fields };
      sink.write(JSON.stringify(line, redact) + '\n');
    };
    return {
      debug: (event, fields) => emit('debug', event, fields),
      info: (event, fields) => emit('info', event, fields),
      warn: (event, fields) => emit('warn', event, fields),
      error: (event, fields) => emit('error', event, fields),
      child: (fields) => make({ ...bound, ...fields }),
    };
  };
  return make(base);
}

function redact(key: string, value: unknown): unknown {
  if (key !== '' && secretKey.test(key) && value !== undefined && value !== null) return '[redacted]';
  if (value instanceof Error) return { name: value.name, message: value.message, code: (value as { code?: unknown }).code };
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** A message for an unknown thrown value, for log fields and one-line errors. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/**
 * One line for a failed connect to a server: Node reports a refused localhost (IPv4 and IPv6)
 * as an AggregateError, and a code (ECONNREFUSED) the message may not say.
 */
export function connectFailure(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return [...new Set(error.errors.map(errorMessage))].join('; ');
  const code = (error as { code?: unknown }).code;
  const message = errorMessage(error);
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}
