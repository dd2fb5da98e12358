import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/** The import rules of DESIGN.md are enforced by lint; this proves the rules bite. */
describe('layering lint rules', () => {
  const eslint = new ESLint({ cwd: process.cwd() });
  const errors = async (code: string, filePath: string) =>
    (await eslint.lintText(code, { filePath }))[0].messages.filter((m) => m.ruleId === 'no-restricted-imports').length;

  it.each([
    ["import { Kafka } from 'kafkajs';", 'components/editor/x.tsx'],
    ["import Redis from 'ioredis';", 'app/pipelines/x.tsx'],
    ["import fs from 'node:fs';", 'components/ui/x.ts'],
    ["import { createBus } from '@/engine/bus';", 'components/x.ts'],
    ["import { JobRunner } from '../../engine/processor/job-runner';", 'components/editor/x.ts'],
    ["import { runners } from '@/engine/nodes/runners';", 'app/page.tsx'],
    ["import React from 'react';", 'engine/runtime/x.ts'],
    ["import { x } from '../../components/editor/x';", 'engine/spec/x.ts'],
    ["import { createStore } from '../store';", 'engine/spec/x.ts'],
    ["import maxmind from 'maxmind';", 'engine/nodes/op.geoip/spec.ts'],
    ["import { GeoIp } from '../../processor/lookup/geoip';", 'engine/nodes/op.geoip/spec.ts'],
    ["import fs from 'node:fs';", 'engine/processor/parse/x.ts'],
  ])('refuses %s in %s', async (code, file) => {
    expect(await errors(code, file)).toBe(1);
  });

  it.each([
    ["import { nodeSpecs } from '@/engine/nodes/registry';", 'components/editor/x.tsx'],
    ["import { canConnect } from '@/engine/spec/graph';", 'components/editor/x.tsx'],
    ["import { getWeir } from '@/engine/runtime/weir';", 'app/api/health/route.ts'],
    ["import { Kafka } from 'kafkajs';", 'engine/bus/x.ts'],
    ["import { compileUserRegex } from '../../processor/expression/regex';", 'engine/nodes/op.module/spec.ts'],
  ])('allows %s in %s', async (code, file) => {
    expect(await errors(code, file)).toBe(0);
  });
});
