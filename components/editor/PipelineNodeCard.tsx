'use client';

import { memo } from 'react';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { lookupNodeSpec } from '@/engine/nodes/registry';
import type { PortSpec } from '@/engine/spec/node-spec';
import { useI18n } from '@/components/ui/i18n';
import { formatCount, formatRate } from '@/components/ui/format';
import { categoryColor, portKindColor } from './categories';
import { useEditorOverlay } from './editor-context';
import type { PipelineFlowNode } from './document-flow';

function PortRow({ nodeId, port, side }: { nodeId: string; port: PortSpec; side: 'in' | 'out' }) {
  const { t } = useI18n();
  const kind = t(`port.kind.${port.kind}`);
  return (
    <div className={`port-row port-${side}`} title={`${port.name}: ${kind}${port.required ? ` (${t('port.required')})` : ''}`}>
      <Handle
        type={side === 'in' ? 'target' : 'source'}
        position={side === 'in' ? Position.Left : Position.Right}
        id={port.name}
        className="port-handle"
        style={{ background: portKindColor[port.kind] }}
        data-testid={`handle-${nodeId}-${side}-${port.name}`}
      />
      <span className="port-name">
        {port.name}
        {port.required && side === 'in' ? <span className="port-required">*</span> : null}
      </span>
      <span className="port-kind">{kind}</span>
    </div>
  );
}

function NodeCounters({ nodeId }: { nodeId: string }) {
  const { t, locale } = useI18n();
  const status = useEditorOverlay().status?.[nodeId];
  if (!status) return null;
  return (
    <div className="node-counters" data-testid={`counters-${nodeId}`} data-in={status.in} data-out={status.out} data-errors={status.errors}>
      <span title={t('node.inTotal', { n: formatCount(status.in, locale) })}>
        {t('node.in')} <b data-testid={`counter-in-${nodeId}`}>{formatRate(status.inRate, locale)}</b>/s
      </span>
      <span title={t('node.outTotal', { n: formatCount(status.out, locale) })}>
        {t('node.out')} <b data-testid={`counter-out-${nodeId}`}>{formatRate(status.outRate, locale)}</b>/s
      </span>
      <span className={status.errors > 0 ? 'counter-bad' : undefined}>
        {t('node.errors')} <b>{formatCount(status.errors, locale)}</b>
      </span>
      {status.fill !== undefined && (
        <span className="fill" title={t('node.fill')}>
          <span className="fill-bar">
            <span style={{ width: `${Math.min(100, Math.max(0, status.fill * 100))}%` }} />
          </span>
          {Math.round(status.fill * 100)}%
        </span>
      )}
      {status.lag !== undefined && (
        <span title={t('node.lag')}>
          {t('node.lagShort')} <b>{formatCount(status.lag, locale)}</b>
        </span>
      )}
      {status.flume && (
        <details className="node-flume nodrag" data-testid={`flume-${nodeId}`}>
          <summary>{t('node.flume')}</summary>
          <dl>
            {Object.entries(status.flume).map(([name, value]) => (
              <div key={name}>
                <dt>{name}</dt>
                <dd data-counter={name}>{formatCount(value, locale)}</dd>
              </div>
            ))}
          </dl>
        </details>
      )}
    </div>
  );
}

function PipelineNodeCardImpl({ id, data, selected }: NodeProps<PipelineFlowNode>) {
  const { pick, t } = useI18n();
  const { nodesWithIssues } = useEditorOverlay();
  const spec = lookupNodeSpec(data.type);
  const color = spec ? categoryColor[spec.category] : '#6b7280';
  const rows = Math.max(spec?.inputs.length ?? 0, spec?.outputs.length ?? 0);

  return (
    <div
      className={`node-card${selected ? ' selected' : ''}${nodesWithIssues.has(id) ? ' has-issues' : ''}`}
      style={{ ['--category' as string]: color }}
      data-testid={`node-${id}`}
      data-node-type={data.type}
    >
      <div className="node-head">
        <span className="node-title">{spec ? pick(spec.title) : t('node.unknownType')}</span>
        <span className="node-category">{spec ? t(`category.${spec.category}`) : ''}</span>
      </div>
      <div className="node-sub">
        <code className="node-id">{id}</code>
        <code className="node-type">{data.type}</code>
      </div>
      {rows > 0 && (
        <div className="node-ports">
          <div className="node-ports-col">
            {spec?.inputs.map((p) => <PortRow key={p.name} nodeId={id} port={p} side="in" />)}
          </div>
          <div className="node-ports-col">
            {spec?.outputs.map((p) => <PortRow key={p.name} nodeId={id} port={p} side="out" />)}
          </div>
        </div>
      )}
      <NodeCounters nodeId={id} />
    </div>
  );
}

export const PipelineNodeCard = memo(PipelineNodeCardImpl);
