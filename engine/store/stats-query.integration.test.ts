import { RedisStore } from './redis';
import { statsQueryChecks } from './stats-query.checks';

const url = process.env.REDIS_URL;
if (!url) {
  throw new Error(
    'stats-query.integration.test.ts needs a real Redis: run via npm test, or npm run infra:up and export REDIS_URL',
  );
}

statsQueryChecks('redis', () => new RedisStore(url));
