// ESLint (typescript-eslint) for the TypeScript and the Node scripts: `npm run lint`.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config({ ignores: ['dist/**', 'node_modules/**', '.venv/**'] }, js.configs.recommended, ...tseslint.configs.recommended, {
  files: ['**/*.ts', '**/*.js', '**/*.mjs'],
  languageOptions: { globals: globals.node },
  rules: {
    // `_name` marks a parameter a signature needs but the body does not use
    '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
  },
});
