import { Transform } from 'class-transformer';

/**
 * Plain decimal digits, with a leading minus (the field's Min then says whether negatives make sense);
 * not a minus zero, which Number() reads as -0, and -0 passes Min(0).
 */
const DECIMAL_INTEGER = /^(?!-0+$)-?\d+$/;

/**
 * For integer query parameters (they arrive as text): text of plain decimal digits becomes the
 * number, anything else stays as it came, so the field's IsInt refuses it. `@Type(() => Number)`
 * took whatever Number() takes: '0x10' was 16, ' 5' and '5 ' were 5, '' was 0, '1e3' was 1000.
 */
export function DecimalInteger(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && DECIMAL_INTEGER.test(value) ? Number(value) : value,
  );
}
