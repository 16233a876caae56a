import js from '@eslint/js'
import tseslint from 'typescript-eslint'

// The pure core (model, search, report) never touches files, the process or oclif.
const pureCore = {
  files: ['src/model/**/*.ts', 'src/search/**/*.ts', 'src/report/**/*.ts'],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [
        {group: ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'worker_threads'], message: 'The pure core must not touch the machine: do I/O in src/io.'},
        {group: ['@oclif/*'], message: 'The pure core must not depend on oclif.'},
      ],
    }],
    'no-restricted-globals': ['error', {name: 'process', message: 'The pure core must not read the process: pass values in.'}],
    'no-console': 'error',
  },
}

export default tseslint.config(
  {ignores: ['dist/**', 'node_modules/**', 'plugins/*/dist/**', 'coverage/**', '.scratch/**', 'src/model/kernel/**', 'src/model/kernel.generated.ts']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
    },
  },
  {
    files: ['bin/**/*.js', 'scripts/**/*', 'bench/**/*'],
    languageOptions: {globals: {process: 'readonly', console: 'readonly'}},
  },
  pureCore,
)
