import type { PipelineEdge } from './document';

/** A node with its config parsed by its spec (defaults filled in). */
export interface NodeRef {
  id: string;
  type: string;
  config: Record<string, unknown>;
}

/**
 * A collection agent in the Flume model: sources (each with its interceptor chain and the channels
 * its selector spreads over) → channels → sinks (each draining one channel). One agent is one
 * connected group of agent nodes.
 */
export interface AgentPlan {
  /** The agent's first channel node id names it. */
  id: string;
  sources: { node: NodeRef; interceptors: NodeRef[]; channels: string[] }[];
  channels: NodeRef[];
  /** `topic` is '' for sinks that do not write to Kafka (logger). */
  sinks: { node: NodeRef; channel: string; topic: string }[];
}

export interface TopicPlan {
  nodeId: string;
  name: string;
  partitions: number;
  retentionMs: number;
}

/** One stream-processor job: a consumer group on one topic running the operator graph below it. */
export interface JobPlan {
  /** The topic node id names the job. */
  id: string;
  groupId: string;
  topic: string;
  topicNodeId: string;
  /** Operator, view and dead-letter nodes downstream of the topic, upstream first. */
  nodes: NodeRef[];
  /** Edges among the topic node and `nodes`. */
  edges: PipelineEdge[];
}

export interface Plan {
  pipelineId: string;
  version: number;
  topics: TopicPlan[];
  agents: AgentPlan[];
  jobs: JobPlan[];
}
