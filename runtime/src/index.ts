export { createLogger, errorMessage, parseLogLevel, type Logger, type LogFields, type LogLevel, type LogSink } from './log.js';
export { parseDurationMs, parseSizeBytes, formatDurationMs, formatBytes } from './units.js';
export { Backoff, sleep, type BackoffOptions } from './backoff.js';
export { ConfigError, formatPath, formatProblems, type ConfigPath, type ConfigProblem } from './config/config-error.js';
export { YamlFile, describeValue } from './config/yaml-file.js';
export { durationMs, sizeBytes } from './config/unit-schemas.js';
export { creditCodeProblem, creditCodeCheckCharacter } from './credit-code.js';
