// Lint rules for capstan. The one project-specific rule: store/raft is a pure
// state machine, so it may not import Node, I/O or clock facilities.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const impureImports = [
  {
    group: ['node:*', 'fs', 'net', 'http', 'os', 'child_process', 'timers', 'worker_threads'],
    message: 'store/raft is pure: no Node I/O.',
  },
  {
    group: ['@grpc/*', 'level', 'classic-level', 'pino', 'msgpackr'],
    message: 'store/raft is pure: no I/O libraries.',
  },
  {
    group: ['../backend/*', '../transport/*', '../server/*', '../mvcc/*'],
    message: 'store/raft depends on nothing in store/.',
  },
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { console: 'readonly', process: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['store/raft/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: impureImports }],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'store/raft is pure.' },
        { name: 'setTimeout', message: 'store/raft is pure: time is ticks.' },
        { name: 'setInterval', message: 'store/raft is pure: time is ticks.' },
        { name: 'setImmediate', message: 'store/raft is pure.' },
        { name: 'Date', message: 'store/raft is pure: time is ticks.' },
        { name: 'performance', message: 'store/raft is pure: time is ticks.' },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'Math',
          property: 'random',
          message: 'store/raft takes randomness from an injected seeded source.',
        },
      ],
    },
  },
);
