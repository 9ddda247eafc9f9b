import { normalizeTable } from '../definition/schema';
import { compareCodePoints, compareRowKeys } from './row-order';

const sign = (n: number) => Math.sign(n);

describe('row order', () => {
  it('compareCodePoints is UTF-8 byte order, also for characters above U+FFFF', () => {
    const alphabet = [
      'a',
      'A',
      'z',
      'é',
      'É',
      'ß',
      '\u00ff',
      '\u0100',
      '中',
      '\ud7ff',
      '\ue000',
      '～',
      '\uffff',
      '😀',
      '𝄞',
      ' ',
      '',
    ];
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const word = () =>
      Array.from(
        { length: Math.floor(random() * 4) },
        () => alphabet[Math.floor(random() * alphabet.length)],
      ).join('');
    for (let i = 0; i < 5000; i++) {
      const a = word();
      const b = word();
      expect([a, b, sign(compareCodePoints(a, b))]).toEqual([
        a,
        b,
        sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))),
      ]);
    }
    // Where JS's own string order disagrees: a surrogate pair against U+E000–U+FFFF.
    expect('😀' < '～').toBe(true);
    expect(compareCodePoints('😀', '～')).toBeGreaterThan(0);
  });

  it('compareRowKeys: key columns in order, integers numerically, false before true', () => {
    const table = normalizeTable('t', {
      columns: { k: 'text', n: 'integer', f: 'boolean' },
      primaryKey: ['k', 'n', 'f'],
    });
    const rows = [
      { k: 'b', n: 1, f: false },
      { k: 'a', n: 10, f: false },
      { k: 'a', n: 2, f: true },
      { k: 'a', n: 2, f: false },
      { k: 'B', n: 99, f: true },
    ];
    expect([...rows].sort((x, y) => compareRowKeys(table, x, y))).toEqual([
      { k: 'B', n: 99, f: true },
      { k: 'a', n: 2, f: false },
      { k: 'a', n: 2, f: true },
      { k: 'a', n: 10, f: false },
      { k: 'b', n: 1, f: false },
    ]);
  });
});
