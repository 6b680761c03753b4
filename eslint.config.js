// typescript-eslint strict-type-checked, plus the layering rules: only runtime/docker/ may
// import dockerode; runtime/ imports nothing from agent/ or apiserver/; apiserver/ nothing from agent/;
// kube/ nothing from agent/, apiserver/, runtime/ or cli/; controllers/, proxy/ and dns/ likewise; agent/ nothing from apiserver/ (it is an
// API client: the client lives in kube/; its tests may start a server).
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const dockerodeBan = { name: 'dockerode', message: 'Only runtime/docker/ talks to the engine.' };

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.run/**', 'coverage/**', 'eslint.config.js', 'bin/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: [dockerodeBan] }],
    },
  },
  {
    files: ['runtime/docker/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['runtime/**'],
    ignores: ['runtime/docker/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [dockerodeBan],
        patterns: [{ group: ['**/agent/**', '**/apiserver/**'], message: 'runtime/ must not depend on agent/ or apiserver/.' }],
      }],
    },
  },
  {
    files: ['runtime/docker/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/agent/**', '**/apiserver/**'], message: 'runtime/ must not depend on agent/ or apiserver/.' }],
      }],
    },
  },
  {
    files: ['apiserver/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [dockerodeBan],
        patterns: [{ group: ['**/agent/**', '**/runtime/**'], message: 'apiserver/ knows storage and HTTP only.' }],
      }],
    },
  },
  {
    files: ['agent/**'],
    ignores: ['agent/**/*.test.ts', 'agent/**/testing/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [dockerodeBan],
        patterns: [{ group: ['**/apiserver/**'], message: 'agent/ is an API client: it talks to the server through kube/client, never its code.' }],
      }],
    },
  },
  {
    // kube/: Kubernetes machinery shared by the server, the agent and the controllers
    files: ['kube/**'],
    ignores: ['kube/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [dockerodeBan],
        patterns: [{ group: ['**/agent/**', '**/apiserver/**', '**/runtime/**', '**/cli/**'], message: 'kube/ is shared machinery: it imports nothing from agent/, apiserver/, runtime/ or cli/.' }],
      }],
    },
  },
  {
    // controllers/: API clients like the agent; they would run against any conformant API server
    // proxy/ (the service proxy) and dns/ (cluster DNS) are API clients on the same terms
    files: ['controllers/**', 'proxy/**', 'dns/**'],
    ignores: ['controllers/**/*.test.ts', 'controllers/testing/**', 'proxy/**/*.test.ts', 'dns/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [dockerodeBan],
        patterns: [{ group: ['**/agent/**', '**/apiserver/**', '**/runtime/**', '**/cli/**'], message: 'controllers/, proxy/ and dns/ talk to the API server through kube/client only.' }],
      }],
    },
  },
  {
    files: ['**/*.test.ts', 'e2e/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
);
