// Lint rules that carry the house style: strict typing, and a pure core
// (src/cni, src/core) that cannot reach the kernel, the disk or processes.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const sideEffectModules = [
  'node:fs', 'node:fs/promises', 'node:child_process', 'node:net', 'node:dgram', 'node:os',
  'fs', 'fs/promises', 'child_process', 'net', 'dgram', 'os', 'koffi',
];

export default tseslint.config(
  { ignores: ['build/**', 'dist/**', 'node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.json' } },
    rules: {
      // node:test's describe/test return promises the runner tracks itself.
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'test', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }],
      }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['src/cni/**/*.ts', 'src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: sideEffectModules.map((name) => ({ name, message: 'src/cni and src/core are pure: side effects live in src/kernel, src/store or the edges.' })),
        patterns: [{ group: ['**/kernel/**', '**/store/**'], message: 'the pure core must not import the kernel or store layers' }],
      }],
      'no-restricted-globals': ['error', { name: 'process', message: 'the pure core takes its inputs as parameters' }],
    },
  },
  {
    // The executables' CommonJS loader (copied into dist/bin by the build).
    files: ['scripts/**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', exports: 'writable', __filename: 'readonly', __dirname: 'readonly', process: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['scripts/**/*.mjs', 'eslint.config.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
