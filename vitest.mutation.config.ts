import { defineConfig } from 'vitest/config';

// The unit project alone, for StrykerJS: mutants are judged by the pure tests, which run in seconds.
export default defineConfig({
  test: { include: ['test/unit/**/*.test.ts'], testTimeout: 10_000 },
});
