import { z } from 'zod';

/** Ids are public (they appear in URLs, Kafka topic names and Redis keys), so keep them plain. */
export const idPattern = /^[a-z0-9][a-z0-9_-]{0,62}$/i;

export const PortRef = z.object({
  node: z.string().min(1),
  port: z.string().min(1),
});

export const PipelineNode = z.object({
  id: z.string().regex(idPattern, 'node ids are 1-63 letters, digits, "-" or "_"'),
  type: z.string().min(1),
  config: z.record(z.string(), z.unknown()).default({}),
});

export const PipelineEdge = z.object({ from: PortRef, to: PortRef });

export const PipelineDocument = z.object({
  id: z.string().regex(idPattern, 'pipeline ids are 1-63 letters, digits, "-" or "_"'),
  name: z.string().min(1).max(200),
  version: z.number().int().nonnegative().default(0),
  nodes: z.array(PipelineNode).default([]),
  edges: z.array(PipelineEdge).default([]),
  layout: z.record(z.string(), z.object({ x: z.number(), y: z.number() })).default({}),
});

export type PortRef = z.infer<typeof PortRef>;
export type PipelineNode = z.infer<typeof PipelineNode>;
export type PipelineEdge = z.infer<typeof PipelineEdge>;
export type PipelineDocument = z.infer<typeof PipelineDocument>;

/** What a client sends to create or update a pipeline: id and version are assigned by the server. */
export const PipelineInput = PipelineDocument.extend({
  id: PipelineDocument.shape.id.optional(),
  version: z.number().int().nonnegative().optional(),
});
export type PipelineInput = z.infer<typeof PipelineInput>;
