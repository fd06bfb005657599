// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The rings, each importing only inward (docs/architecture.md):
 *   protocol <- core <- engine <- http (the edge kit) <- api, web, transports (plug-ins)
 *   core <- storage, bus, webhooks (adapters behind the ports); engine <- config
 *   engine <- irc (a listener of its own), which shares only the persistent connection type with transports/
 *   main.ts, cluster.ts and cli/ compose them all.
 * An adapter never imports another adapter; the plug-ins may use http/, which imports none of them.
 */
const RINGS = [
  'protocol',
  'core',
  'engine',
  'http',
  'api',
  'web',
  'transports',
  'storage',
  'bus',
  'config',
  'cli',
  'webhooks',
  'irc',
];
const MAY_IMPORT = {
  protocol: [],
  core: ['protocol'],
  engine: ['protocol', 'core'],
  http: ['protocol', 'core', 'engine'],
  api: ['protocol', 'core', 'engine', 'http'],
  web: ['protocol', 'core', 'engine', 'http'],
  transports: ['protocol', 'core', 'engine', 'http'],
  storage: ['protocol', 'core'],
  bus: ['protocol', 'core'],
  config: ['protocol', 'core', 'engine'],
  webhooks: ['protocol', 'core'],
  irc: ['protocol', 'core', 'engine'],
};

/** Single files of another ring that a ring may use: IRC's connections are transports' persistent ones. */
const MAY_ALSO_IMPORT = {
  irc: ['transports/stream-connection.js', 'transports/spread.js'],
};

const ring = (name, allowed) => ({
  files: [`src/${name}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...RINGS.filter((r) => r !== name && !allowed.includes(r)).map((r) => ({
            group: [
              `**/${r}/*`,
              `**/${r}/**`,
              ...(MAY_ALSO_IMPORT[name] ?? []).filter((f) => f.startsWith(`${r}/`)).map((f) => `!**/${f}`),
            ],
            message: `${name}/ must not import ${r}/ (see docs/architecture.md)`,
          })),
          {
            group: ['**/main.js', '**/cluster.js', '**/log.js'],
            message: `${name}/ must not import the composition root`,
          },
        ],
      },
    ],
  },
});

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
  ...Object.entries(MAY_IMPORT).map(([name, allowed]) => ring(name, allowed)),
  {
    files: ['src/client/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../*', '!./*'], message: 'the browser client stands alone' }] },
      ],
    },
  },
  {
    files: ['bin/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
