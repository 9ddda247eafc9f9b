import type { ArgumentMetadata } from '@nestjs/common';
import { IsEmail, IsString, ValidateBy } from 'class-validator';
import { Optional } from './optional';
import type { ProblemException } from './problem-exception';
import { createValidationPipe, MAX_LISTED_VIOLATIONS } from './validation';

class AllOptionalBody {
  @Optional()
  @IsString()
  partnerId?: string;
}

class EmailBody {
  @IsEmail()
  email!: string;
}

/** A validator that throws URIError, as validator.js's do (through encodeURI) on malformed text. */
class ThrowingBody {
  @ValidateBy({
    name: 'encodes',
    validator: { validate: (value: unknown) => encodeURI(String(value)) !== '' },
  })
  text!: string;
}

class WideBody {
  @Optional()
  @IsString()
  known?: string;
}

const body = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({ type: 'body', metatype });

async function refusal(value: unknown, metadata: ArgumentMetadata): Promise<ProblemException> {
  try {
    await createValidationPipe().transform(value, metadata);
  } catch (error) {
    return error as ProblemException;
  }
  throw new Error('the pipe let the value through');
}

describe('the validation pipe', () => {
  // Regression: Nest's pipe validates an empty object in place of a nil body, so POST /audit/verify
  // with the body `null` ran (200).
  it('refuses a body that is JSON null, even where every field is optional', async () => {
    const problem = await refusal(null, body(AllOptionalBody));
    expect(problem.getStatus()).toBe(400);
    expect(problem.code).toBe('validation-failed');
    expect(problem.extensions).toEqual({
      errors: [{ field: 'body', messages: ['the body must be a JSON object, not null'] }],
    });
  });

  it('still takes no body at all where every field is optional, and refuses other non-objects', async () => {
    await expect(createValidationPipe().transform(undefined, body(AllOptionalBody))).resolves.toBeInstanceOf(
      AllOptionalBody,
    );
    for (const value of [42, 'text', true, []]) {
      expect((await refusal(value, body(AllOptionalBody))).code).toBe('validation-failed');
    }
  });

  // Regression: validator.js's isEmail threw URIError on a lone surrogate, which became a 500.
  it('answers a validator that throws URIError with a 400, never a 500', async () => {
    expect(() => encodeURI('a\ud800b')).toThrow(URIError);
    const problem = await refusal({ text: 'a\ud800b' }, body(ThrowingBody));
    expect(problem.getStatus()).toBe(400);
    expect(problem.code).toBe('validation-failed');
    const emailProblem = await refusal({ email: 'a\ud800b@x.example' }, body(EmailBody));
    expect(emailProblem.getStatus()).toBe(400);
  });

  // Regression: 15,000 unknown keys were answered with every one of 15,002 violations (~1 MB).
  it(`lists at most ${MAX_LISTED_VIOLATIONS} violations, and says how many there are`, async () => {
    const wide = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`unknown${i}`, i]));
    const problem = await refusal({ ...wide, known: 1 }, body(WideBody));
    expect(problem.detail).toBe(
      `The request has 251 invalid fields; the first ${MAX_LISTED_VIOLATIONS} are listed.`,
    );
    const { errors, errorCount, errorsTruncated } = problem.extensions as {
      errors: { field: string }[];
      errorCount: number;
      errorsTruncated: boolean;
    };
    expect(errors).toHaveLength(MAX_LISTED_VIOLATIONS);
    expect([errorCount, errorsTruncated]).toEqual([251, true]);
  });

  it('lists every violation, without the count members, when there are few', async () => {
    const problem = await refusal({ known: 1, extra: 2 }, body(WideBody));
    expect(problem.detail).toBe('The request has 2 invalid fields.');
    expect(Object.keys(problem.extensions)).toEqual(['errors']);
  });
});
