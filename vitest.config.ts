import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 600_000,
    projects: [
      // Pure parts: no hosts, run in parallel.
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts"] } },
      // Real hosts: the lab's machines are shared, so one file at a time; the labs the run boots are stopped
      // at its end.
      {
        extends: true,
        test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], fileParallelism: false, globalSetup: ["test/e2e/support/global-setup.ts"] },
      },
    ],
  },
});
