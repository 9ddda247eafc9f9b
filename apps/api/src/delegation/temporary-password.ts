import { randomInt } from 'node:crypto';

/**
 * Letters and digits a person can read back and type without confusion: no 0/O/o, 1/l/I, 5/S, 2/Z.
 * 52 symbols: 16 of them carry about 91 bits of entropy.
 */
export const TEMPORARY_PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRTUVWXYabcdefghijkmnpqrstuvwxyz346789';
export const TEMPORARY_PASSWORD_LENGTH = 16;

const CLASSES = [/[A-Z]/, /[a-z]/, /[0-9]/];

/**
 * A strong temporary password, from the OS's CSPRNG (randomInt draws without modulo bias). Drawn
 * again until it holds an upper-case letter, a lower-case letter and a digit, so the usual identity
 * provider complexity policies accept it; rejection keeps the accepted ones uniformly distributed.
 */
export function newTemporaryPassword(): string {
  for (;;) {
    let password = '';
    for (let i = 0; i < TEMPORARY_PASSWORD_LENGTH; i++) {
      password += TEMPORARY_PASSWORD_ALPHABET[randomInt(TEMPORARY_PASSWORD_ALPHABET.length)];
    }
    if (CLASSES.every((c) => c.test(password))) return password;
  }
}
