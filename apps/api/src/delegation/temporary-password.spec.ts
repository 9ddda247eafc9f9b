import { TEMPORARY_PASSWORD_ALPHABET, newTemporaryPassword } from './temporary-password';

describe('temporary passwords', () => {
  it('are 16 unambiguous characters with an upper-case letter, a lower-case letter and a digit', () => {
    for (let i = 0; i < 200; i++) {
      const password = newTemporaryPassword();
      expect(password).toHaveLength(16);
      expect([...password].every((c) => TEMPORARY_PASSWORD_ALPHABET.includes(c))).toBe(true);
      expect(password).toMatch(/[A-Z]/);
      expect(password).toMatch(/[a-z]/);
      expect(password).toMatch(/[0-9]/);
    }
  });

  it('leave out look-alike characters', () => {
    for (const c of '0Oo1lI5S2Z') expect(TEMPORARY_PASSWORD_ALPHABET).not.toContain(c);
  });

  it('do not repeat', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => newTemporaryPassword()));
    expect(seen.size).toBe(1000);
  });
});
