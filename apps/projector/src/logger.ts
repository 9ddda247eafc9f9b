import pino, { type DestinationStream, type Logger } from 'pino';
import { REDACTED_PATHS } from '../../api/src/platform/observability/logging';

/**
 * The projector's logger, with the API's redaction list: today the projector logs ids, positions and
 * error messages only, but whatever a later log call passes must not carry secrets or personal data.
 */
export function projectorLogger(level: string, destination?: DestinationStream): Logger {
  const options = { name: 'projector', level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return destination === undefined ? pino(options) : pino(options, destination);
}
