// ESLint flat config: type-aware rules (no-floating-promises catches the classic un-awaited
// stream write/close bug) plus the import boundaries from DEVELOPERS.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const folders = ['common', 'ring-builder', 'storage-node', 'proxy', 'identity', 'bench'];

/** Forbid a folder from importing the listed sibling folders. */
function boundary(folder, forbidden) {
  return {
    files: [`${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: forbidden.map((f) => ({
            group: [`**/${f}/**`, `../${f}`],
            message: `${folder}/ may not import ${f}/ (see DEVELOPERS.md, Layout): talk over HTTP or move shared code to common/.`,
          })),
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: ['./tsconfig.test.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
    },
  },
  boundary(
    'common',
    folders.filter((f) => f !== 'common'),
  ),
  boundary('ring-builder', ['storage-node', 'proxy', 'identity', 'bench']),
  boundary('storage-node', ['ring-builder', 'proxy', 'identity', 'bench']),
  boundary('proxy', ['ring-builder', 'storage-node', 'identity', 'bench']),
  boundary('identity', ['ring-builder', 'storage-node', 'proxy', 'bench']),
  {
    files: ['test/**/*.ts', 'vitest.config.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
);
