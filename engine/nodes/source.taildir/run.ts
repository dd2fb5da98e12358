import { TaildirSource } from '../../agent/taildir/taildir-source';
import type { SourceFactory } from '../../agent/types';
import { taildirSpec } from './spec';

/** Config arrives parsed by compile(); parsing again fills defaults for callers that skip it. */
export const createTaildir: SourceFactory = (node, env) => new TaildirSource(node.id, taildirSpec.config.parse(node.config), env);
