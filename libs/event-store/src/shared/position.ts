import { InvalidAppendError } from '../errors';
import { MAX_SQL_SEQUENCE, type Position } from '../types';

/**
 * The SQL adapters' position: the global sequence as a 20-digit zero-padded decimal. 20 digits hold
 * any unsigned 64-bit value, and fixed width makes string order equal numeric order (`comparePositions`).
 */
const WIDTH = 20;
const POSITION_PATTERN = /^\d{20}$/;

export function formatSequence(sequence: number | bigint | string): Position {
  return String(sequence).padStart(WIDTH, '0');
}

/**
 * Parses a position handed back by a client; returns the sequence as a decimal string without padding.
 * Throws InvalidAppendError for a malformed one or one beyond MAX_SQL_SEQUENCE.
 */
export function parseSequence(position: Position): string {
  if (typeof position !== 'string' || !POSITION_PATTERN.test(position)) {
    throw new InvalidAppendError(`Invalid position '${String(position)}': expected ${WIDTH} decimal digits`);
  }
  // Beyond the signed 64-bit column no row can be: an argument error, not a failing backend (the
  // driver's own refusal to bind it would read as an outage).
  if (BigInt(position) > MAX_SQL_SEQUENCE) {
    throw new InvalidAppendError(
      `Invalid position '${position}': beyond the largest position the store holds (${formatSequence(MAX_SQL_SEQUENCE)})`,
    );
  }
  return position.replace(/^0+(?=\d)/, '');
}
