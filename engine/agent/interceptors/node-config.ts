import type { z } from 'zod';
import { WeirError } from '../../spec/errors';
import type { NodeSpec } from '../../spec/node-spec';
import type { NodeRef } from '../../spec/plan';

/**
 * The node's config parsed by its spec: defaults filled in, and the same checks as the editor and
 * REST validation, so a config that reaches the agent unvalidated (e.g. a Flume properties file)
 * fails at creation with a message that says what to change, not later on the event path.
 */
export function nodeConfig<C extends z.ZodObject>(spec: NodeSpec<C>, node: NodeRef): z.output<C> {
  const parsed = spec.config.safeParse(node.config ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'config'}: ${i.message}`);
  throw new WeirError('invalid_config', `Node "${node.id}" (${spec.type}) has an invalid config: ${issues.join('; ')}.`, {
    details: { nodeId: node.id, issues: parsed.error.issues },
  });
}
