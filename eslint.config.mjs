// @ts-check
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'data/**', 'coverage/**', '*.js', '*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    files: ['libs/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            '@nestjs/*',
            'fs',
            'node:*',
            'crypto',
            '@pc/event-store*',
            '@pc/pipeline*',
            '@pc/projections*',
          ],
        },
      ],
      'no-restricted-globals': ['error', 'Date', 'setTimeout', 'setInterval', 'process'],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random' }],
    },
  },
  {
    // Request DTOs: class-validator's IsOptional (and the PartialType helpers, which apply it) skip null
    // as well as an absent field, which let `null` reach the domain; Optional() skips only absence.
    files: ['apps/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'class-validator',
              importNames: ['IsOptional'],
              message: 'Use Optional() from the platform: IsOptional lets null through.',
            },
            {
              name: '@nestjs/swagger',
              importNames: ['PartialType'],
              message: 'PartialType applies IsOptional, which lets null through: spell the fields out.',
            },
            {
              name: '@nestjs/mapped-types',
              importNames: ['PartialType'],
              message: 'PartialType applies IsOptional, which lets null through: spell the fields out.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'apps/**/tools/**/*.ts', 'apps/audit/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
