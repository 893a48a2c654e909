import { pino, type Logger } from 'pino';

/**
 * The process logger. Secrets never reach it: request logs carry no headers or bodies, and
 * these paths are censored in case a secret is ever passed by mistake.
 */
export const REDACTED_PATHS = [
  'sessionId',
  'sessionIds',
  'password',
  'passwordHash',
  'idHash',
  '*.sessionId',
  '*.sessionIds',
  '*.password',
  '*.passwordHash',
  '*.idHash',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
