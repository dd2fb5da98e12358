'use client';

import { useMemo, useState, type ChangeEvent } from 'react';
import { useReactFlow } from '@xyflow/react';
// flume-config is pure and browser-safe (no fs, no node:), unlike the rest of engine/agent.
import { exportFlumeProperties, flumeAgentNames, mergeGraphs, parseFlumeProperties, type FlumeConfigProblem } from '@/engine/agent/flume-config';
import type { PipelineDocument } from '@/engine/spec/document';
import { isWeirError } from '@/engine/spec/errors';
import { lookupNodeSpec } from '@/engine/nodes/registry';
import { agentCategories } from '@/engine/spec/node-spec';
import { useI18n } from '@/components/ui/i18n';

type Graph = Pick<PipelineDocument, 'nodes' | 'edges' | 'layout'>;

const strings = {
  en: {
    import: 'Import Flume config',
    export: 'Export Flume config',
    exportHint: 'Download the collection agent part of this pipeline as Flume agent properties (agent name {agent})',
    title: 'Import a Flume agent configuration',
    intro: 'Paste a Flume properties file or choose one. It is converted here in the browser; nothing is saved until you save the pipeline.',
    file: 'File',
    agent: 'Agent name',
    add: 'Add to the canvas',
    replace: 'Replace the canvas',
    submit: 'Import',
    close: 'Close',
    errors: '{n} problem(s): nothing was imported',
    warnings: 'Imported {n} node(s), with {w} note(s):',
    empty: 'Paste or choose a Flume configuration first.',
  },
  'zh-CN': {
    import: '导入 Flume 配置',
    export: '导出 Flume 配置',
    exportHint: '把本管道的采集代理部分下载为 Flume 代理属性文件（代理名 {agent}）',
    title: '导入 Flume 代理配置',
    intro: '粘贴或选择一个 Flume 属性文件。转换在浏览器中完成；保存管道之前不会存储任何内容。',
    file: '文件',
    agent: '代理名',
    add: '添加到画布',
    replace: '替换画布',
    submit: '导入',
    close: '关闭',
    errors: '{n} 个问题：未导入任何内容',
    warnings: '已导入 {n} 个节点，另有 {w} 条提示：',
    empty: '请先粘贴或选择一个 Flume 配置。',
  },
} as const;

const exportAgentName = 'a1';

/** Toolbar actions: Flume properties → canvas (merged or replacing), and the canvas's agent → a .properties download. */
export function FlumeConfigActions({ doc, onImport, disabled }: { doc: PipelineDocument; onImport: (graph: Graph) => void; disabled?: boolean }) {
  const { locale } = useI18n();
  const s = strings[locale] ?? strings.en;
  const fill = (text: string, vars: Record<string, string | number>) => text.replace(/\{(\w+)\}/g, (m, k: string) => String(vars[k] ?? m));
  const flow = useReactFlow();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [agent, setAgent] = useState('');
  const [mode, setMode] = useState<'add' | 'replace'>('add');
  const [errors, setErrors] = useState<FlumeConfigProblem[]>([]);
  const [result, setResult] = useState<{ nodes: number; warnings: string[] } | null>(null);
  const agents = useMemo(() => flumeAgentNames(text), [text]);
  const hasAgent = doc.nodes.some((n) => {
    const category = lookupNodeSpec(n.type)?.category;
    return category !== undefined && agentCategories.has(category);
  });

  const onText = (next: string) => {
    setText(next);
    setErrors([]);
    setResult(null);
    const found = flumeAgentNames(next);
    if (found.length && !found.includes(agent)) setAgent(found[0]);
  };

  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (file) onText(await file.text());
  };

  const submit = () => {
    setResult(null);
    if (!text.trim()) {
      setErrors([{ line: 0, key: '', message: s.empty }]);
      return;
    }
    try {
      const { document, warnings } = parseFlumeProperties(text, agent.trim() || agents[0] || exportAgentName);
      onImport(mode === 'replace' ? document : mergeGraphs(doc, document));
      setErrors([]);
      setTimeout(() => void flow.fitView({ duration: 300 }), 50);
      if (warnings.length) setResult({ nodes: document.nodes.length, warnings });
      else setOpen(false);
    } catch (err) {
      if (isWeirError(err) && err.code === 'flume_config_invalid') setErrors((err.details as { errors: FlumeConfigProblem[] }).errors);
      else setErrors([{ line: 0, key: '', message: err instanceof Error ? err.message : String(err) }]);
    }
  };

  const download = () => {
    const { text: properties } = exportFlumeProperties(doc, exportAgentName);
    const url = URL.createObjectURL(new Blob([properties], { type: 'text/x-java-properties;charset=utf-8' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${doc.id}.properties`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  return (
    <>
      <button type="button" className="btn" onClick={() => setOpen(true)} disabled={disabled} data-testid="flume-import-button">
        {s.import}
      </button>
      <button
        type="button"
        className="btn"
        onClick={download}
        disabled={!hasAgent}
        title={fill(s.exportHint, { agent: exportAgentName })}
        data-testid="flume-export-button"
      >
        {s.export}
      </button>
      {open && (
        <div style={overlay} onClick={(e) => e.target === e.currentTarget && setOpen(false)}>
          <div role="dialog" aria-modal="true" aria-label={s.title} style={panel} data-testid="flume-import-dialog">
            <strong>{s.title}</strong>
            <p className="muted small" style={{ margin: 0 }}>
              {s.intro}
            </p>
            <label className="small">
              {s.file}{' '}
              <input type="file" accept=".properties,.conf,.cfg,.txt" onChange={(e) => void onFile(e)} data-testid="flume-import-file" />
            </label>
            <textarea
              className="input mono"
              rows={14}
              value={text}
              spellCheck={false}
              onChange={(e) => onText(e.target.value)}
              placeholder={'a1.sources = r1\na1.channels = c1\na1.sinks = k1\n…'}
              style={{ width: '100%', resize: 'vertical', fontSize: 12 }}
              data-testid="flume-import-text"
            />
            <div className="button-row" style={{ alignItems: 'center', gap: 12, flexWrap: 'wrap' }}>
              <label className="small">
                {s.agent}{' '}
                <input className="input" list="flume-agents" value={agent} onChange={(e) => setAgent(e.target.value)} style={{ width: 120 }} data-testid="flume-import-agent" />
                <datalist id="flume-agents">
                  {agents.map((a) => (
                    <option key={a} value={a} />
                  ))}
                </datalist>
              </label>
              <label className="small">
                <input type="radio" checked={mode === 'add'} onChange={() => setMode('add')} /> {s.add}
              </label>
              <label className="small">
                <input type="radio" checked={mode === 'replace'} onChange={() => setMode('replace')} data-testid="flume-import-replace" /> {s.replace}
              </label>
            </div>
            {errors.length > 0 && (
              <div className="banner banner-error" style={{ display: 'block', margin: 0 }} data-testid="flume-import-errors">
                {errors.some((e) => e.key) && <div>{fill(s.errors, { n: errors.length })}</div>}
                <ul style={list}>
                  {errors.map((e, i) => (
                    <li key={i} className="mono small">
                      {e.line > 0 ? `line ${e.line}: ` : ''}
                      {e.key ? `${e.key}: ` : ''}
                      {e.message}
                    </li>
                  ))}
                </ul>
              </div>
            )}
            {result && (
              <div className="banner" style={{ display: 'block', margin: 0, background: 'var(--warn-soft)', color: 'var(--warn)' }} data-testid="flume-import-warnings">
                <div>{fill(s.warnings, { n: result.nodes, w: result.warnings.length })}</div>
                <ul style={list}>
                  {result.warnings.map((w, i) => (
                    <li key={i} className="mono small">
                      {w}
                    </li>
                  ))}
                </ul>
              </div>
            )}
            <div className="button-row">
              <button type="button" className="btn btn-primary" onClick={submit} data-testid="flume-import-submit">
                {s.submit}
              </button>
              <button type="button" className="btn" onClick={() => setOpen(false)}>
                {s.close}
              </button>
            </div>
          </div>
        </div>
      )}
    </>
  );
}

const overlay = { position: 'fixed', inset: 0, background: 'rgba(0,0,0,0.35)', display: 'flex', alignItems: 'center', justifyContent: 'center', zIndex: 1000 } as const;
const panel = {
  background: 'var(--panel)',
  color: 'inherit',
  borderRadius: 8,
  padding: 20,
  width: 'min(760px, 94vw)',
  maxHeight: '90vh',
  overflow: 'auto',
  display: 'flex',
  flexDirection: 'column',
  gap: 10,
  boxShadow: '0 10px 40px rgba(0,0,0,0.3)',
} as const;
const list = { margin: '6px 0 0', paddingLeft: 18, maxHeight: 180, overflow: 'auto' } as const;
