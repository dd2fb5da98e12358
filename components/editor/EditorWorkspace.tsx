'use client';

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useEdgesState, useNodesState, useReactFlow } from '@xyflow/react';
import type { PipelineDocument } from '@/engine/spec/document';
import type { ValidationIssue } from '@/engine/spec/errors';
import { lookupNodeSpec } from '@/engine/nodes/registry';
import { api, ApiError } from '@/components/api/client';
import type { PipelineState } from '@/components/api/types';
import { ErrorBanner } from '@/components/ui/ErrorBanner';
import { useT } from '@/components/ui/i18n';
import { usePolling } from '@/components/ui/use-polling';
import { EditorOverlayContext } from './editor-context';
import { EditorToolbar, type EditorBusy } from './EditorToolbar';
import { FlumeConfigActions } from './FlumeConfigActions';
import { FlowCanvas } from './FlowCanvas';
import { Inspector } from './Inspector';
import { IssuesPanel } from './IssuesPanel';
import { Palette } from './Palette';
import {
  defaultConfig,
  documentFingerprint,
  documentToFlow,
  flowToDocument,
  uniqueNodeId,
  type PipelineFlowEdge,
  type PipelineFlowNode,
} from './document-flow';

const noticeMs = 5000;

export function EditorWorkspace({ initial, initialState }: { initial: PipelineDocument; initialState: PipelineState }) {
  const t = useT();
  const flow = useReactFlow<PipelineFlowNode, PipelineFlowEdge>();
  const start = useMemo(() => documentToFlow(initial), [initial]);
  const [nodes, setNodes, onNodesChange] = useNodesState<PipelineFlowNode>(start.nodes);
  const [edges, setEdges, onEdgesChange] = useEdgesState<PipelineFlowEdge>(start.edges);

  const [meta, setMeta] = useState({ id: initial.id, name: initial.name, version: initial.version });
  const [savedFingerprint, setSavedFingerprint] = useState(() => documentFingerprint(initial));
  const [state, setState] = useState<PipelineState | null>(initialState);
  const [issues, setIssues] = useState<ValidationIssue[] | null>(null);
  const [busy, setBusy] = useState<EditorBusy>(null);
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);

  const doc = useMemo(() => flowToDocument(meta, nodes, edges), [meta, nodes, edges]);
  const dirty = documentFingerprint(doc) !== savedFingerprint;

  // Live counters: every second while it runs, slowly otherwise (to notice a deploy from elsewhere).
  const live = state === 'running' || state === 'deploying';
  const { data: status } = usePolling(() => api.status(meta.id), live ? 1000 : 5000, `${meta.id}:${live}`);
  useEffect(() => {
    // The server's state wins over our last guess (e.g. deploying → running, or a crash → failed).
    if (status?.state) setState(status.state);
  }, [status]);

  const noticeTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const flash = useCallback((kind: 'ok' | 'error', text: string) => {
    clearTimeout(noticeTimer.current);
    setNotice({ kind, text });
    noticeTimer.current = setTimeout(() => setNotice(null), noticeMs);
  }, []);
  useEffect(() => () => clearTimeout(noticeTimer.current), []);

  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  /** Reports a failed call: validation issues go to the panel, anything else to the banner. */
  const fail = useCallback(
    (e: unknown) => {
      if (e instanceof ApiError && e.issues.length > 0) {
        setIssues(e.issues);
        flash('error', t('editor.invalid', { n: e.issues.length }));
      } else {
        setActionError(e);
        flash('error', e instanceof Error ? e.message : String(e));
      }
    },
    [flash, t],
  );

  const save = useCallback(async (): Promise<boolean> => {
    setBusy('save');
    setActionError(null);
    try {
      const { pipeline } = await api.savePipeline(doc);
      setMeta((m) => ({ ...m, version: pipeline.version }));
      setSavedFingerprint(documentFingerprint(doc));
      setIssues((prev) => (prev === null ? null : []));
      flash('ok', t('editor.saved', { v: pipeline.version }));
      return true;
    } catch (e) {
      fail(e);
      return false;
    } finally {
      setBusy(null);
    }
  }, [doc, fail, flash, t]);

  const validate = useCallback(async () => {
    setBusy('validate');
    setActionError(null);
    try {
      const result = await api.validatePipeline(doc);
      setIssues(result.errors);
      flash(result.ok ? 'ok' : 'error', result.ok ? t('editor.valid') : t('editor.invalid', { n: result.errors.length }));
    } catch (e) {
      fail(e);
    } finally {
      setBusy(null);
    }
  }, [doc, fail, flash, t]);

  const deploy = useCallback(async () => {
    // Deploy what is on screen: unsaved edits are saved first.
    if (dirty && !(await save())) return;
    setBusy('deploy');
    setActionError(null);
    try {
      const r = await api.deploy(meta.id);
      setState(r.state);
      flash('ok', t('editor.deployed'));
    } catch (e) {
      fail(e);
    } finally {
      setBusy(null);
    }
  }, [dirty, save, meta.id, fail, flash, t]);

  const stop = useCallback(async () => {
    setBusy('stop');
    setActionError(null);
    try {
      const r = await api.stop(meta.id);
      setState(r.state);
      flash('ok', t('editor.stopped'));
    } catch (e) {
      fail(e);
    } finally {
      setBusy(null);
    }
  }, [meta.id, fail, flash, t]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') {
        e.preventDefault();
        if (dirty && busy === null) void save();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [dirty, busy, save]);

  const addNode = useCallback(
    (type: string, position: { x: number; y: number }) => {
      const spec = lookupNodeSpec(type);
      if (!spec) return;
      setNodes((nds) => {
        const id = uniqueNodeId(type, nds.map((n) => n.id));
        // Several adds at one spot (double-clicks in the palette) fan out instead of stacking.
        let at = position;
        while (nds.some((n) => Math.abs(n.position.x - at.x) < 16 && Math.abs(n.position.y - at.y) < 16)) at = { x: at.x + 32, y: at.y + 32 };
        return [
          ...nds.map((n) => (n.selected ? { ...n, selected: false } : n)),
          { id, type: 'pipeline', position: at, selected: true, data: { type, config: defaultConfig(spec) } },
        ];
      });
    },
    [setNodes],
  );

  const addNodeAtCenter = useCallback(
    (type: string) => {
      const el = document.querySelector('[data-testid="canvas"]');
      const r = el?.getBoundingClientRect();
      const p = r ? flow.screenToFlowPosition({ x: r.left + r.width / 2, y: r.top + r.height / 2 }) : { x: 0, y: 0 };
      addNode(type, { x: p.x - 100, y: p.y - 40 });
    },
    [flow, addNode],
  );

  const selected = nodes.filter((n) => n.selected);
  const selectedNode = selected.length === 1 ? selected[0] : null;

  const setConfig = useCallback(
    (nodeId: string, config: Record<string, unknown>) =>
      setNodes((nds) => nds.map((n) => (n.id === nodeId ? { ...n, data: { ...n.data, config } } : n))),
    [setNodes],
  );

  const selectNode = useCallback(
    (nodeId: string) => {
      setNodes((nds) => nds.map((n) => ({ ...n, selected: n.id === nodeId })));
      const n = flow.getNode(nodeId);
      if (n) void flow.setCenter(n.position.x + 110, n.position.y + 60, { zoom: Math.max(flow.getZoom(), 0.9), duration: 300 });
    },
    [flow, setNodes],
  );

  const overlay = useMemo(() => {
    const ids = new Set(nodes.map((n) => n.id));
    return {
      status: status?.nodes ?? null,
      nodesWithIssues: new Set((issues ?? []).flatMap((i) => (i.nodeId && ids.has(i.nodeId) ? [i.nodeId] : []))),
    };
  }, [status, issues, nodes]);

  return (
    <EditorOverlayContext.Provider value={overlay}>
      <div className="editor" data-testid="editor">
        <EditorToolbar
          pipelineId={meta.id}
          name={meta.name}
          version={meta.version}
          state={state}
          dirty={dirty}
          busy={busy}
          notice={notice}
          onSave={() => void save()}
          onValidate={() => void validate()}
          onDeploy={() => void deploy()}
          onStop={() => void stop()}
          extraActions={
            <FlumeConfigActions
              doc={doc}
              disabled={busy !== null}
              onImport={(graph) => {
                const next = documentToFlow(graph);
                setNodes(next.nodes);
                setEdges(next.edges);
                setIssues(null);
              }}
            />
          }
        />
        {(actionError || status?.error) && (
          <div className="editor-banners">
            <ErrorBanner error={actionError} onDismiss={() => setActionError(null)} />
            {status?.error && (
              <ErrorBanner error={new ApiError(200, status.error.code, status.error.message)} title={t('editor.runtimeError')} />
            )}
          </div>
        )}
        <div className="editor-body">
          <Palette onAdd={addNodeAtCenter} />
          <div className="editor-center">
            <FlowCanvas
              nodes={nodes}
              edges={edges}
              onNodesChange={onNodesChange}
              onEdgesChange={onEdgesChange}
              setEdges={setEdges}
              onAddNode={addNode}
              running={state === 'running'}
            />
            <IssuesPanel issues={issues} onSelectNode={selectNode} onClose={() => setIssues(null)} />
          </div>
          <Inspector
            node={selectedNode}
            selectedCount={selected.length}
            pipelineName={meta.name}
            onRename={(name) => setMeta((m) => ({ ...m, name }))}
            onConfigChange={setConfig}
            onDelete={(id) => void flow.deleteElements({ nodes: [{ id }] })}
            apiIssues={selectedNode ? (issues ?? []).filter((i) => i.nodeId === selectedNode.id) : []}
          />
        </div>
      </div>
    </EditorOverlayContext.Provider>
  );
}
