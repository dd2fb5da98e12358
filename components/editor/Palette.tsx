'use client';

import { useMemo, useState, type DragEvent } from 'react';
import { nodeSpecs } from '@/engine/nodes/registry';
import type { NodeSpec } from '@/engine/spec/node-spec';
import { useI18n } from '@/components/ui/i18n';
import { categoryColor, categoryOrder } from './categories';

/** The MIME type a palette item carries while dragged onto the canvas. */
export const nodeTypeMime = 'application/x-weir-node-type';

const matches = (spec: NodeSpec, q: string) =>
  [spec.type, spec.title.en, spec.title.zh, spec.description.en, spec.description.zh, spec.category].some((s) =>
    s.toLowerCase().includes(q),
  );

export function Palette({ onAdd }: { onAdd: (type: string) => void }) {
  const { t, pick } = useI18n();
  const [query, setQuery] = useState('');

  const groups = useMemo(() => {
    const q = query.trim().toLowerCase();
    const visible = q ? nodeSpecs.filter((s) => matches(s, q)) : nodeSpecs;
    return categoryOrder
      .map((category) => ({ category, specs: visible.filter((s) => s.category === category) }))
      .filter((g) => g.specs.length > 0);
  }, [query]);

  const onDragStart = (e: DragEvent, type: string) => {
    e.dataTransfer.setData(nodeTypeMime, type);
    e.dataTransfer.setData('text/plain', type);
    e.dataTransfer.effectAllowed = 'copy';
  };

  return (
    <aside className="palette" data-testid="palette">
      <div className="panel-title">{t('palette.title')}</div>
      <input
        className="input palette-search"
        type="search"
        placeholder={t('palette.search')}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        data-testid="palette-search"
      />
      <div className="palette-groups">
        {groups.length === 0 && <p className="muted small">{t('palette.noMatch')}</p>}
        {groups.map((g) => (
          <section key={g.category}>
            <h4 className="palette-category" style={{ color: categoryColor[g.category] }}>
              {t(`category.${g.category}`)}
            </h4>
            {g.specs.map((spec) => (
              <div
                key={spec.type}
                className="palette-item"
                style={{ ['--category' as string]: categoryColor[spec.category] }}
                draggable
                onDragStart={(e) => onDragStart(e, spec.type)}
                onDoubleClick={() => onAdd(spec.type)}
                title={`${pick(spec.description)}\n${t('palette.hint')}`}
                data-testid={`palette-item-${spec.type}`}
              >
                <span className="palette-item-title">{pick(spec.title)}</span>
                <code className="palette-item-type">{spec.type}</code>
              </div>
            ))}
          </section>
        ))}
      </div>
      <p className="muted small palette-hint">{t('palette.hint')}</p>
    </aside>
  );
}
