import type { ArgumentMetadata } from '@nestjs/common';
import { ReadStreamQueryDto } from '../../audit/audit.dto';
import type { ProblemException } from './problem-exception';
import { createValidationPipe } from './validation';

const query: ArgumentMetadata = { type: 'query', metatype: ReadStreamQueryDto };
const parse = (params: Record<string, string>) => createValidationPipe().transform(params, query);

async function messagesFor(params: Record<string, string>): Promise<string[]> {
  try {
    await parse(params);
  } catch (error) {
    const { errors } = (error as ProblemException).extensions as { errors: { messages: string[] }[] };
    return errors.flatMap((e) => e.messages);
  }
  throw new Error(`accepted ${JSON.stringify(params)}`);
}

describe('DecimalInteger: integer query parameters take plain decimal digits only', () => {
  it.each([
    ['5', 5],
    ['05', 5],
    ['0', 0],
    ['1000', 1000],
  ])('takes %j as %d', async (text, value) => {
    await expect(parse({ fromRevision: text, maxCount: text === '0' ? '1' : text })).resolves.toMatchObject({
      fromRevision: value,
    });
  });

  // Regression: @Type(() => Number) took whatever Number() takes.
  it.each(['0x10', ' 5', '5 ', '1e3', '+5', '0b1', '0o7', '5.0', '', '\t5'])(
    'refuses %j, which Number() would have taken',
    async (text) => {
      expect(await messagesFor({ maxCount: text })).toContain('maxCount must be an integer number');
      expect(await messagesFor({ fromRevision: text })).toContain('fromRevision must be an integer number');
    },
  );

  it('lets the bounds answer for a negative number', async () => {
    expect(await messagesFor({ fromRevision: '-1' })).toEqual(['fromRevision must not be less than 0']);
  });
});
