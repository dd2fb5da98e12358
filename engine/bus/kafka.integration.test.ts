import net from 'node:net';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { busContract } from './bus.contract';
import { createBus } from './index';
import { KafkaBus } from './kafka';

const brokers = process.env.KAFKA_BROKERS;

async function makeBus() {
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run via npm test, or npm run infra:up and export KAFKA_BROKERS');
  const bus = createBus({ KAFKA_BROKERS: brokers });
  expect(bus.kind).toBe('kafka');
  return bus;
}

busContract('kafka', makeBus);

/** A loopback port with nothing listening on it. */
async function deadPort(): Promise<number> {
  const srv = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

describe('kafka bus without a broker', () => {
  it('fails with a retriable bus_unreachable error and reports unhealthy', async () => {
    const bus = new KafkaBus({ brokers: [`127.0.0.1:${await deadPort()}`] });
    try {
      await expect(bus.ensureTopic({ name: 'never', partitions: 1 })).rejects.toMatchObject({ code: 'bus_unreachable', retriable: true });
      const h = await bus.health();
      expect(h.ok).toBe(false);
      expect(h.detail).toMatch(/unreachable/);
    } finally {
      await bus.close();
    }
  }, 60_000);
});

describe('kafka bus topics', () => {
  it('creates a compacted topic with cleanup.policy=compact', async () => {
    const bus = await makeBus();
    const admin = new Kafka({ brokers: brokers!.split(','), logLevel: logLevel.NOTHING }).admin();
    try {
      const name = `t-compact-${Date.now().toString(36)}`;
      await bus.ensureTopic({ name, partitions: 1, compacted: true });
      await admin.connect();
      const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name, configNames: ['cleanup.policy'] }] });
      expect(resources[0].configEntries.find((c) => c.configName === 'cleanup.policy')?.configValue).toBe('compact');
    } finally {
      await admin.disconnect();
      await bus.close();
    }
  }, 60_000);
});
