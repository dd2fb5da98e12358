import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Two servers from one production build (`next build` first; npm test does it):
 * `real` talks to the Kafka and Redis in KAFKA_BROKERS / REDIS_URL, `embedded` has neither, as a
 * fresh `npm start` would. Each gets a fresh data dir so a run never sees an earlier run's pipelines.
 */
const REAL_PORT = 3101;
const EMBEDDED_PORT = 3102;

// The config is evaluated again in every worker; the env var makes them all agree on one dir
// (npm test sets both to dirs inside its own work dir).
function freshDir(envName: string, prefix: string): string {
  process.env[envName] ??= mkdtempSync(path.join(os.tmpdir(), prefix));
  return process.env[envName]!;
}

const defined = (env: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  timeout: 90_000,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  use: {
    headless: true,
    screenshot: 'on',
    trace: 'retain-on-failure',
    launchOptions: {
      // Debian's chromium: nothing is ever downloaded (no `playwright install`).
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  projects: [
    { name: 'real', testIgnore: /embedded-.*\.spec\.ts$/, use: { baseURL: `http://127.0.0.1:${REAL_PORT}` } },
    { name: 'embedded', testMatch: /embedded-.*\.spec\.ts$/, use: { baseURL: `http://127.0.0.1:${EMBEDDED_PORT}` } },
  ],
  webServer: [
    {
      name: 'real',
      command: `npx next start -p ${REAL_PORT}`,
      url: `http://127.0.0.1:${REAL_PORT}/api/health`,
      reuseExistingServer: false,
      timeout: 120_000,
      gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
      env: defined({
        NEXT_TELEMETRY_DISABLED: '1',
        KAFKA_BROKERS: process.env.KAFKA_BROKERS,
        REDIS_URL: process.env.REDIS_URL,
        WEIR_DATA_DIR: freshDir('WEIR_E2E_REAL_DATA_DIR', 'weir-e2e-real-'),
      }),
    },
    {
      name: 'embedded',
      // `env -u` really removes them; the empty values below are a second guard.
      command: `env -u KAFKA_BROKERS -u REDIS_URL npx next start -p ${EMBEDDED_PORT}`,
      url: `http://127.0.0.1:${EMBEDDED_PORT}/api/health`,
      reuseExistingServer: false,
      timeout: 120_000,
      gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
      env: {
        NEXT_TELEMETRY_DISABLED: '1',
        KAFKA_BROKERS: '',
        REDIS_URL: '',
        WEIR_DATA_DIR: freshDir('WEIR_E2E_EMBEDDED_DATA_DIR', 'weir-e2e-embedded-'),
      },
    },
  ],
});
