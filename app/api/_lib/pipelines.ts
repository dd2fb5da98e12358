import { lookupNodeSpec } from '@/engine/nodes/registry';
import type { PipelineDocument } from '@/engine/spec/document';
import { WeirError } from '@/engine/spec/errors';
import { validatePipeline } from '@/engine/spec/graph';

/** Saving an invalid pipeline is refused with every problem listed, so stored state stays valid. */
export function assertValid(doc: PipelineDocument): void {
  const errors = validatePipeline(doc, lookupNodeSpec);
  if (errors.length) {
    throw new WeirError('invalid_pipeline', `The pipeline has ${errors.length} problem(s); first: ${errors[0].message}`, { status: 400, details: { errors } });
  }
}
