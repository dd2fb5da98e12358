'use client';

import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  type Connection,
  type Edge,
  type OnEdgesChange,
  type OnNodesChange,
} from '@xyflow/react';
import { lookupNodeSpec } from '@/engine/nodes/registry';
import { canConnect } from '@/engine/spec/graph';
import type { ValidationIssue } from '@/engine/spec/errors';
import { useT } from '@/components/ui/i18n';
import { categoryColor, portKindColor } from './categories';
import { PipelineNodeCard } from './PipelineNodeCard';
import { nodeTypeMime } from './Palette';
import {
  flowEdgeToPipelineEdge,
  pipelineEdgeToFlowEdge,
  type PipelineFlowEdge,
  type PipelineFlowNode,
} from './document-flow';

const nodeTypes = { pipeline: PipelineNodeCard };

interface FlowCanvasProps {
  nodes: PipelineFlowNode[];
  edges: PipelineFlowEdge[];
  onNodesChange: OnNodesChange<PipelineFlowNode>;
  onEdgesChange: OnEdgesChange<PipelineFlowEdge>;
  setEdges: (update: (edges: PipelineFlowEdge[]) => PipelineFlowEdge[]) => void;
  /** Adds a node of `type` at a flow position. */
  onAddNode: (type: string, position: { x: number; y: number }) => void;
  running: boolean;
}

const refusalShownMs = 4000;

export function FlowCanvas({ nodes, edges, onNodesChange, onEdgesChange, setEdges, onAddNode, running }: FlowCanvasProps) {
  const t = useT();
  const { screenToFlowPosition } = useReactFlow();
  const [refusal, setRefusal] = useState<ValidationIssue | null>(null);
  const clearTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  // The graph rules read the latest graph without re-creating callbacks on every drag frame.
  const graph = useRef({ nodes, edges });
  useEffect(() => {
    graph.current = { nodes, edges };
  });
  useEffect(() => () => clearTimeout(clearTimer.current), []);

  const refusalFor = useCallback((c: Connection | Edge): ValidationIssue | null => {
    const edge = flowEdgeToPipelineEdge(c);
    if (!edge) return { code: 'incomplete', message: '', path: 'edges[new]' };
    const doc = {
      nodes: graph.current.nodes.map((n) => ({ id: n.id, type: n.data.type, config: n.data.config })),
      edges: graph.current.edges.flatMap((e) => flowEdgeToPipelineEdge(e) ?? []),
    };
    return canConnect(doc, edge, lookupNodeSpec);
  }, []);

  const isValidConnection = useCallback(
    (c: Connection | Edge) => {
      const issue = refusalFor(c);
      clearTimeout(clearTimer.current);
      setRefusal(issue);
      return issue === null;
    },
    [refusalFor],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      const edge = flowEdgeToPipelineEdge(c);
      if (!edge || refusalFor(c)) return;
      setRefusal(null);
      setEdges((eds) => [...eds, pipelineEdgeToFlowEdge(edge)]);
    },
    [refusalFor, setEdges],
  );

  const onConnectEnd = useCallback(() => {
    clearTimeout(clearTimer.current);
    clearTimer.current = setTimeout(() => setRefusal(null), refusalShownMs);
  }, []);

  const onDragOver = useCallback((e: DragEvent) => {
    if (!e.dataTransfer.types.includes(nodeTypeMime)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  }, []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      const type = e.dataTransfer.getData(nodeTypeMime);
      if (!type || !lookupNodeSpec(type)) return;
      e.preventDefault();
      const p = screenToFlowPosition({ x: e.clientX, y: e.clientY });
      // Drop under the pointer, roughly at the card's head rather than its corner.
      onAddNode(type, { x: p.x - 100, y: p.y - 20 });
    },
    [screenToFlowPosition, onAddNode],
  );

  // Edges take the colour of what they carry; they move while the pipeline runs.
  const kindByNodeType = useMemo(() => new Map(nodes.map((n) => [n.id, n.data.type])), [nodes]);
  const styledEdges = useMemo(
    () =>
      edges.map((e) => {
        const spec = lookupNodeSpec(kindByNodeType.get(e.source) ?? '');
        const kind = spec?.outputs.find((p) => p.name === e.sourceHandle)?.kind;
        return { ...e, animated: running, style: kind ? { stroke: portKindColor[kind], strokeWidth: 1.6 } : undefined };
      }),
    [edges, kindByNodeType, running],
  );

  return (
    <div className="canvas" data-testid="canvas" onDragOver={onDragOver} onDrop={onDrop}>
      <ReactFlow<PipelineFlowNode, PipelineFlowEdge>
        nodes={nodes}
        edges={styledEdges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        deleteKeyCode={['Delete', 'Backspace']}
        fitView
        fitViewOptions={{ padding: 0.15, maxZoom: 1 }}
        minZoom={0.2}
      >
        <Background gap={16} size={1} />
        <Controls showInteractive={false} />
        <MiniMap
          pannable
          zoomable
          nodeColor={(n) => {
            const spec = lookupNodeSpec((n.data as PipelineFlowNode['data']).type);
            return spec ? categoryColor[spec.category] : '#9ca3af';
          }}
        />
      </ReactFlow>
      {nodes.length === 0 && <div className="canvas-empty">{t('editor.emptyCanvas')}</div>}
      {refusal && (
        <div className="refusal" role="status" data-testid="connection-refusal" data-code={refusal.code}>
          <strong>{t(`refusal.${refusalKey(refusal.code)}`)}</strong>
          {refusal.message && <span>{refusal.message}</span>}
        </div>
      )}
    </div>
  );
}

const knownRefusals = ['incompatible_ports', 'cycle', 'port_already_connected', 'duplicate_edge', 'unknown_port', 'incomplete'] as const;
const refusalKey = (code: string): (typeof knownRefusals)[number] | 'other' =>
  (knownRefusals as readonly string[]).includes(code) ? (code as (typeof knownRefusals)[number]) : 'other';
