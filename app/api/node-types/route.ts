import { z } from 'zod';
import { nodeSpecs } from '@/engine/nodes/registry';
import { json, route } from '../_lib/http';

export const GET = route(async () =>
  json({
    nodeTypes: nodeSpecs.map((s) => ({
      type: s.type,
      category: s.category,
      title: s.title,
      description: s.description,
      inputs: s.inputs,
      outputs: s.outputs,
      configSchema: z.toJSONSchema(s.config, { io: 'input' }),
    })),
  }),
);
