'use client';

import { useMemo } from 'react';
import { z } from 'zod';
import { zhCN } from 'zod/locales';
import { lookupNodeSpec } from '@/engine/nodes/registry';
import type { NodeSpec } from '@/engine/spec/node-spec';
import type { ValidationIssue } from '@/engine/spec/errors';
import { useI18n } from '@/components/ui/i18n';
import { categoryColor } from './categories';
import { fieldsFromSchema, issuesByField, type FieldDescriptor, type FieldIssue } from './schema-fields';
import { SchemaFieldInput } from './SchemaField';
import type { PipelineFlowNode } from './document-flow';

const fieldCache = new Map<string, FieldDescriptor[]>();
const fieldsOf = (spec: NodeSpec) => {
  let fields = fieldCache.get(spec.type);
  if (!fields) {
    fields = fieldsFromSchema(z.toJSONSchema(spec.config, { io: 'input', unrepresentable: 'any' }));
    fieldCache.set(spec.type, fields);
  }
  return fields;
};

const zhErrors = zhCN().localeError;

/** "Line 3: " for an item of a one-per-line list, "a.b: " inside JSON, nothing for the field itself. */
function issueWhere(issue: FieldIssue, field: FieldDescriptor, t: ReturnType<typeof useI18n>['t']): string {
  if (issue.path.length === 0) return '';
  if (field.kind === 'string-list' && /^\d+$/.test(issue.path[0])) return `${t('inspector.line', { n: Number(issue.path[0]) + 1 })}: `;
  return `${issue.path.join('.')}: `;
}

interface InspectorProps {
  node: PipelineFlowNode | null;
  selectedCount: number;
  pipelineName: string;
  onRename: (name: string) => void;
  onConfigChange: (nodeId: string, config: Record<string, unknown>) => void;
  onDelete: (nodeId: string) => void;
  /** Issues the API reported for this node at the last save or validate. */
  apiIssues: ValidationIssue[];
}

export function Inspector(props: InspectorProps) {
  const { t } = useI18n();
  return (
    <aside className="inspector" data-testid="inspector">
      <div className="panel-title">{t('inspector.title')}</div>
      {props.node ? (
        <NodeInspector key={props.node.id} {...props} node={props.node} />
      ) : (
        <div className="inspector-body">
          <label className="field">
            <span className="field-label">{t('inspector.pipelineName')}</span>
            <input
              className="input"
              value={props.pipelineName}
              onChange={(e) => props.onRename(e.target.value)}
              data-testid="pipeline-name"
            />
          </label>
          <p className="muted small">{props.selectedCount > 1 ? t('inspector.many', { n: props.selectedCount }) : t('inspector.empty')}</p>
        </div>
      )}
    </aside>
  );
}

function NodeInspector({ node, onConfigChange, onDelete, apiIssues }: InspectorProps & { node: PipelineFlowNode }) {
  const { t, pick, locale } = useI18n();
  const spec = lookupNodeSpec(node.data.type);
  const config = node.data.config;

  const fields = spec ? fieldsOf(spec) : [];
  const errors = useMemo(() => {
    if (!spec) return {};
    const r = spec.config.safeParse(config, locale === 'zh-CN' ? { error: zhErrors } : undefined);
    return r.success ? {} : issuesByField(r.error.issues);
  }, [spec, config, locale]);

  const unknownKeys = spec ? Object.keys(config).filter((k) => !(k in spec.config.shape)) : [];

  const setField = (key: string, value: unknown) => {
    const next = { ...config };
    if (value === undefined) delete next[key];
    else next[key] = value;
    onConfigChange(node.id, next);
  };

  return (
    <div className="inspector-body" data-testid={`inspector-${node.id}`}>
      <div className="inspector-head" style={{ ['--category' as string]: spec ? categoryColor[spec.category] : '#6b7280' }}>
        <div className="inspector-node-title">{spec ? pick(spec.title) : t('node.unknownType')}</div>
        <div className="muted small">
          <code>{node.id}</code> · <code>{node.data.type}</code>
          {spec ? ` · ${t(`category.${spec.category}`)}` : ''}
        </div>
        {spec && <p className="inspector-description">{pick(spec.description)}</p>}
      </div>

      {apiIssues.length > 0 && (
        <ul className="issue-list compact" data-testid="inspector-issues">
          {apiIssues.map((i, n) => (
            <li key={n}>
              <code>{i.code}</code> {i.message}
            </li>
          ))}
        </ul>
      )}

      {!spec && <p className="field-error">{t('inspector.unknownType', { type: node.data.type })}</p>}
      {spec && fields.length === 0 && <p className="muted small">{t('inspector.noSettings')}</p>}

      <form className="schema-form" onSubmit={(e) => e.preventDefault()}>
        {fields.map((field) => {
          const inputId = `cfg-${node.id}-${field.key}`;
          const fieldErrors = errors[field.key];
          const help = (locale === 'zh-CN' && spec?.fieldHelpZh?.[field.key]) || field.description;
          return (
            <div key={field.key} className={`field${fieldErrors ? ' has-error' : ''}`} data-testid={`field-${field.key}`}>
              <label className="field-label" htmlFor={inputId}>
                <code>{field.key}</code>
                {field.required && <span className="port-required">*</span>}
                {(field.min !== undefined || field.max !== undefined) && (
                  <span className="field-range">
                    {field.min !== undefined ? `${field.minExclusive ? '>' : '≥'} ${field.min}` : ''}
                    {field.min !== undefined && field.max !== undefined ? ', ' : ''}
                    {field.max !== undefined ? `${field.maxExclusive ? '<' : '≤'} ${field.max}` : ''}
                  </span>
                )}
              </label>
              <SchemaFieldInput field={field} value={config[field.key]} onChange={(v) => setField(field.key, v)} inputId={inputId} />
              {field.kind === 'string-list' && <div className="field-help">{t('inspector.onePerLine')}</div>}
              {help && <div className="field-help">{help}</div>}
              {fieldErrors?.map((issue, i) => (
                <div key={i} className="field-error" data-testid={`field-error-${field.key}`}>
                  {issueWhere(issue, field, t)}
                  {issue.message}
                </div>
              ))}
            </div>
          );
        })}
        {errors['']?.map((issue, i) => (
          <div key={i} className="field-error">
            {issue.message}
          </div>
        ))}
        {unknownKeys.map((k) => (
          <div key={k} className="field-error">
            {t('inspector.unknownField', { key: k })}{' '}
            <button type="button" className="link-button" onClick={() => setField(k, undefined)}>
              {t('action.remove')}
            </button>
          </div>
        ))}
      </form>

      <div className="inspector-actions">
        <button type="button" className="btn btn-danger-ghost" onClick={() => onDelete(node.id)} data-testid="delete-node">
          {t('inspector.deleteNode')}
        </button>
      </div>
    </div>
  );
}
