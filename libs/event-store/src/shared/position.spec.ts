import { InvalidAppendError } from '../errors';
import { parseEsdbPosition } from '../eventstoredb/eventstoredb-event-store';
import { MAX_SQL_SEQUENCE, positionProblem } from '../types';
import { formatSequence, parseSequence } from './position';

const MAX_SQL = formatSequence(MAX_SQL_SEQUENCE); // 09223372036854775807
const ABOVE_SQL = '09223372036854775808';
const TWENTY_NINES = '99999999999999999999';
const MAX_U64 = '18446744073709551615';

describe('positions a client hands back', () => {
  it('the SQL adapters parse every sequence up to the signed 64-bit maximum', () => {
    expect(parseSequence('00000000000000000000')).toBe('0');
    expect(parseSequence('00000000000000000042')).toBe('42');
    expect(parseSequence(MAX_SQL)).toBe('9223372036854775807');
  });

  // Regression: these reached SQLite's bind ("too big") or PostgreSQL's bigint cast, and the adapters
  // reported the driver's refusal as EventStoreUnavailableError (503 with Retry-After, for bad input).
  it.each([ABOVE_SQL, TWENTY_NINES])(
    'the SQL adapters refuse %s, beyond the column, as an argument error',
    (position) => {
      expect(() => parseSequence(position)).toThrow(InvalidAppendError);
      expect(() => parseSequence(position)).toThrow(/beyond the largest position/);
    },
  );

  it('EventStoreDB positions take each half up to the unsigned 64-bit maximum, and no further', () => {
    expect(parseEsdbPosition(`${MAX_U64}/${MAX_U64}`)).toEqual({
      commit: 2n ** 64n - 1n,
      prepare: 2n ** 64n - 1n,
    });
    expect(() => parseEsdbPosition(`${TWENTY_NINES}/00000000000000000000`)).toThrow(InvalidAppendError);
    expect(() => parseEsdbPosition(`00000000000000000000/${TWENTY_NINES}`)).toThrow(InvalidAppendError);
  });

  it('positionProblem: format and range, for edges that check a position before any store sees it', () => {
    for (const good of ['00000000000000000001', MAX_SQL, `${MAX_U64}/00000000000000000001`]) {
      expect([good, positionProblem(good)]).toEqual([good, undefined]);
    }
    for (const malformed of ['5', '', ' 00000000000000000001', '00000000000000000001/', 42, null]) {
      expect(positionProblem(malformed)).toMatch(/must be a position/);
    }
    for (const beyond of [ABOVE_SQL, TWENTY_NINES, `${TWENTY_NINES}/00000000000000000000`]) {
      expect([beyond, positionProblem(beyond)]).toEqual([
        beyond,
        expect.stringMatching(/beyond the largest/),
      ]);
    }
  });
});
