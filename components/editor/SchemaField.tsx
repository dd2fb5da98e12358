'use client';

import { useState } from 'react';
import { useT } from '@/components/ui/i18n';
import type { FieldDescriptor } from './schema-fields';

interface FieldProps {
  field: FieldDescriptor;
  value: unknown;
  /** `undefined` removes the key, so the schema's default applies. */
  onChange: (value: unknown) => void;
  inputId: string;
}

const display = (v: unknown) => (v === undefined || v === null ? '' : String(v));

// Number, list and JSON inputs keep the text as typed in a draft ("1.", a trailing newline, half
// a JSON object) and send the parsed value up; the inspector remounts them per node.

function NumberInput({ field, value, onChange, inputId }: FieldProps) {
  const [draft, setDraft] = useState(display(value));
  return (
    <input
      id={inputId}
      className="input"
      type="number"
      inputMode={field.kind === 'integer' ? 'numeric' : 'decimal'}
      step={field.kind === 'integer' ? 1 : 'any'}
      min={field.min}
      max={field.max}
      placeholder={display(field.default)}
      value={draft}
      onChange={(e) => {
        setDraft(e.target.value);
        const n = e.target.value.trim() === '' ? undefined : Number(e.target.value);
        onChange(n === undefined || Number.isNaN(n) ? undefined : n);
      }}
    />
  );
}

function StringListInput({ field, value, onChange, inputId }: FieldProps) {
  const [draft, setDraft] = useState(Array.isArray(value) ? value.join('\n') : display(value));
  return (
    <textarea
      id={inputId}
      className="input mono"
      rows={Math.min(8, Math.max(3, draft.split('\n').length))}
      placeholder={Array.isArray(field.default) ? field.default.join('\n') : undefined}
      value={draft}
      onChange={(e) => {
        setDraft(e.target.value);
        const lines = e.target.value.split('\n').map((l) => l.trim()).filter(Boolean);
        onChange(e.target.value.trim() === '' && field.default !== undefined ? undefined : lines);
      }}
    />
  );
}

function JsonInput({ field, value, onChange, inputId }: FieldProps) {
  const t = useT();
  const [draft, setDraft] = useState(value === undefined ? '' : JSON.stringify(value, null, 2));
  const [bad, setBad] = useState(false);
  return (
    <>
      <textarea
        id={inputId}
        className={`input mono${bad ? ' invalid' : ''}`}
        rows={Math.min(12, Math.max(3, draft.split('\n').length))}
        placeholder={field.default !== undefined ? JSON.stringify(field.default) : undefined}
        value={draft}
        onChange={(e) => {
          setDraft(e.target.value);
          if (e.target.value.trim() === '') {
            setBad(false);
            onChange(undefined);
            return;
          }
          try {
            onChange(JSON.parse(e.target.value));
            setBad(false);
          } catch {
            setBad(true);
          }
        }}
      />
      {bad && <div className="field-error">{t('inspector.invalidJson')}</div>}
    </>
  );
}

export function SchemaFieldInput(props: FieldProps) {
  const t = useT();
  const { field, value, onChange, inputId } = props;
  switch (field.kind) {
    case 'boolean':
      return (
        <input
          id={inputId}
          type="checkbox"
          checked={value === undefined ? field.default === true : value === true}
          onChange={(e) => onChange(e.target.checked)}
        />
      );
    case 'enum':
      return (
        <select
          id={inputId}
          className="input"
          value={display(value ?? field.default)}
          onChange={(e) => {
            const option = field.options?.find((o) => String(o) === e.target.value);
            onChange(option);
          }}
        >
          {(value ?? field.default) === undefined && <option value="">{t('inspector.choose')}</option>}
          {field.options?.map((o) => (
            <option key={String(o)} value={String(o)}>
              {String(o)}
            </option>
          ))}
        </select>
      );
    case 'number':
    case 'integer':
      return <NumberInput {...props} />;
    case 'string':
      return (
        <input
          id={inputId}
          className="input"
          type="text"
          placeholder={display(field.default)}
          value={display(value)}
          onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
        />
      );
    case 'string-list':
      return <StringListInput {...props} />;
    default:
      return <JsonInput {...props} />;
  }
}
