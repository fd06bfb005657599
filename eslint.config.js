// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Rings import only inward: protocol <- core <- engine <- adapters <- main.
const inward = (ring, forbidden) => ({
  files: [`src/${ring}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: forbidden.map((f) => ({
          group: [`**/${f}/*`, `**/${f}/**`],
          message: `${ring}/ must not import ${f}/`,
        })),
      },
    ],
  },
});

const adapters = ['storage', 'api', 'http', 'transports', 'web', 'config', 'cli', 'bus'];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  inward('protocol', ['core', 'engine', ...adapters]),
  inward('core', ['engine', ...adapters]),
  inward('engine', adapters),
  {
    files: ['bin/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
