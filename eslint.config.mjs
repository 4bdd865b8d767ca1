// eslint.config.mjs - the JavaScript style gate (tests/style, `eslint`):
// eslint:recommended over the web UI (browser ES modules) and the browser
// tests (node ES modules). ESLint comes from npm (scripts/install-e2e).
import js from '@eslint/js';
import globals from 'globals';

const rules = {
  'no-unused-vars': 'error',
  'no-redeclare': 'error',
  'no-undef': 'error',
};

export default [
  { ignores: ['build*/', 'node_modules/', 'demo-run/'] },
  js.configs.recommended,
  {
    files: ['web/**/*.js'],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.browser },
    },
    rules,
  },
  {
    files: ['tests/e2e/**/*.mjs', 'eslint.config.mjs'],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules,
  },
];
