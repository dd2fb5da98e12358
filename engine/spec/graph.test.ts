import { describe, expect, it } from 'vitest';
import { lookupNodeSpec } from '../nodes/registry';
import { PipelineDocument } from './document';
import { canConnect, validatePipeline } from './graph';
import { compile } from './compile';
import { siteAnalyticsTemplate } from './templates';

const template = () => PipelineDocument.parse({ id: 'p1', ...siteAnalyticsTemplate() });
const codes = (doc: PipelineDocument) => validatePipeline(doc, lookupNodeSpec).map((i) => i.code);

describe('graph rules', () => {
  it('accepts the site analytics template', () => {
    expect(validatePipeline(template(), lookupNodeSpec)).toEqual([]);
  });

  it('names an unknown node type', () => {
    const doc = template();
    doc.nodes.push({ id: 'x', type: 'op.nope', config: {} });
    const issues = validatePipeline(doc, lookupNodeSpec);
    expect(issues).toContainEqual(expect.objectContaining({ code: 'unknown_node_type', nodeId: 'x', path: `nodes[${doc.nodes.length - 1}].type` }));
  });

  it('names a missing required field and an unknown setting', () => {
    const doc = template();
    const topic = doc.nodes.find((n) => n.id === 'visits')!;
    topic.config = { partitions: 3, partitons: 4 };
    const issues = validatePipeline(doc, lookupNodeSpec);
    expect(issues).toContainEqual(expect.objectContaining({ code: 'missing_required_field', nodeId: 'visits', path: 'nodes[3].config.name' }));
    expect(issues).toContainEqual(expect.objectContaining({ code: 'unknown_config_field', nodeId: 'visits', path: 'nodes[3].config.partitons' }));
  });

  it('refuses an edge between incompatible ports, in the editor and on the server alike', () => {
    const doc = template();
    const edge = { from: { node: 'generator', port: 'out' }, to: { node: 'parse', port: 'in' } };
    expect(canConnect(doc, edge, lookupNodeSpec)?.code).toBe('incompatible_ports');
    doc.edges.push(edge);
    expect(codes(doc)).toContain('incompatible_ports');
  });

  it('refuses a second edge into a single input', () => {
    const doc = template();
    const edge = { from: { node: 'parse', port: 'out' }, to: { node: 'geoip', port: 'in' } };
    expect(canConnect(doc, edge, lookupNodeSpec)?.code).toBe('port_already_connected');
  });

  it('refuses a cycle and names the loop', () => {
    const doc = template();
    doc.edges = doc.edges.filter((e) => e.to.node !== 'parse');
    const edge = { from: { node: 'useragent', port: 'out' }, to: { node: 'parse', port: 'in' } };
    // visit → parse.in is incompatible (stream); use module, which takes visits.
    const loop = { from: { node: 'useragent', port: 'out' }, to: { node: 'module', port: 'in' } };
    doc.edges = doc.edges.filter((e) => e.to.node !== 'module');
    const issue = canConnect(doc, loop, lookupNodeSpec);
    expect(issue?.code).toBe('cycle');
    expect(issue?.message).toContain('module');
    doc.edges.push(loop);
    expect(codes(doc)).toContain('cycle');
    expect(canConnect(doc, edge, lookupNodeSpec)?.code).toBe('incompatible_ports');
  });

  it('reports an unconnected required input', () => {
    const doc = template();
    doc.edges = doc.edges.filter((e) => e.to.node !== 'views');
    expect(validatePipeline(doc, lookupNodeSpec)).toContainEqual(expect.objectContaining({ code: 'missing_input', nodeId: 'views' }));
  });
});

describe('compile', () => {
  it('plans one agent, one topic and one job for the template', () => {
    const plan = compile(template(), lookupNodeSpec);
    expect(plan.topics).toEqual([{ nodeId: 'visits', name: 'weir.site-analytics.access-log', partitions: 3, retentionMs: 168 * 3_600_000 }]);
    expect(plan.agents).toHaveLength(1);
    expect(plan.agents[0].sources.map((s) => s.node.id)).toEqual(['generator']);
    expect(plan.agents[0].sinks).toEqual([expect.objectContaining({ topic: 'weir.site-analytics.access-log' })]);
    expect(plan.jobs).toHaveLength(1);
    expect(plan.jobs[0].groupId).toBe('weir.p1.visits');
    expect(plan.jobs[0].nodes.map((n) => n.id)).toEqual(['parse', 'module', 'geoip', 'useragent', 'window', 'uniques', 'dead', 'views']);
    // defaults are filled in from the spec
    expect(plan.agents[0].sources[0].node.config.seed).toBe(1);
  });

  it('throws invalid_pipeline with every issue', () => {
    const doc = template();
    doc.nodes.push({ id: 'x', type: 'op.nope', config: {} });
    expect(() => compile(doc, lookupNodeSpec)).toThrowError(expect.objectContaining({ code: 'invalid_pipeline', status: 400 }));
  });
});
