'use client';

import { useState, type FormEvent } from 'react';
import { useRouter } from 'next/navigation';
import { siteAnalyticsTemplate } from '@/engine/spec/templates';
import type { PipelineInput } from '@/engine/spec/document';
import { api } from '@/components/api/client';
import { ErrorBanner } from '@/components/ui/ErrorBanner';
import { useT } from '@/components/ui/i18n';

/** "Site analytics", then "Site analytics 2", ...: names people can tell apart in the list. */
export function freeName(base: string, taken: readonly string[]): string {
  const names = new Set(taken);
  if (!names.has(base)) return base;
  for (let i = 2; ; i++) if (!names.has(`${base} ${i}`)) return `${base} ${i}`;
}

const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40) || 'pipeline';

/** `existingNames` is null until the list has loaded: the template's name and topic depend on it. */
export function NewPipelineActions({ existingNames }: { existingNames: string[] | null }) {
  const t = useT();
  const router = useRouter();
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const create = async (doc: PipelineInput) => {
    setBusy(true);
    setError(null);
    try {
      const { pipeline } = await api.createPipeline(doc);
      router.push(`/pipelines/${encodeURIComponent(pipeline.id)}`);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  const createBlank = (e: FormEvent) => {
    e.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return;
    void create({ name: trimmed, nodes: [], edges: [], layout: {} });
  };

  const createFromTemplate = () => {
    if (existingNames === null) return;
    const templateName = freeName('Site analytics', existingNames);
    // A second copy gets its own topic, so two demos do not read each other's traffic.
    const topic = templateName === 'Site analytics' ? undefined : `weir.${slug(templateName)}.access-log`;
    const { id: _id, version: _version, ...doc } = siteAnalyticsTemplate({ name: templateName, topic });
    void create(doc);
  };

  return (
    <div className="new-pipeline">
      <div className="button-row">
        {naming ? (
          <form className="inline-form" onSubmit={createBlank} data-testid="new-pipeline-form">
            <input
              className="input"
              autoFocus
              placeholder={t('list.namePlaceholder')}
              value={name}
              onChange={(e) => setName(e.target.value)}
              onKeyDown={(e) => e.key === 'Escape' && setNaming(false)}
              maxLength={200}
              data-testid="new-pipeline-name"
              aria-label={t('list.name')}
            />
            <button type="submit" className="btn btn-primary" disabled={busy || !name.trim()} data-testid="create-pipeline">
              {t('action.create')}
            </button>
            <button type="button" className="btn" onClick={() => setNaming(false)}>
              {t('action.cancel')}
            </button>
          </form>
        ) : (
          <button type="button" className="btn btn-primary" onClick={() => setNaming(true)} data-testid="new-pipeline">
            {t('list.new')}
          </button>
        )}
        <button
          type="button"
          className="btn"
          onClick={createFromTemplate}
          disabled={busy || existingNames === null}
          data-testid="new-from-template"
        >
          {t('list.newFromTemplate')}
        </button>
      </div>
      {error ? <ErrorBanner error={error} title={t('list.createFailed')} onDismiss={() => setError(null)} /> : null}
    </div>
  );
}
