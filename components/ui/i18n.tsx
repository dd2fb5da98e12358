'use client';

import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { messages, type Locale, type MessageKey } from './messages';
import type { Localized } from '@/engine/spec/node-spec';

const storageKey = 'weir.locale';

interface I18n {
  locale: Locale;
  setLocale: (locale: Locale) => void;
  /** Looks up a message; `{name}` placeholders are filled from `vars`. */
  t: (key: MessageKey, vars?: Record<string, string | number>) => string;
  /** Picks the right half of a node spec's `{ en, zh }` text. */
  pick: (text: Localized) => string;
}

const I18nContext = createContext<I18n | null>(null);

const localeFromNavigator = (): Locale =>
  typeof navigator !== 'undefined' && navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';

const readStoredLocale = (): Locale | null => {
  try {
    const stored = window.localStorage.getItem(storageKey);
    return stored === 'en' || stored === 'zh-CN' ? stored : null;
  } catch {
    return null;
  }
};

export function I18nProvider({ children }: { children: ReactNode }) {
  // The server renders English; the browser's choice applies right after hydration.
  const [locale, setLocaleState] = useState<Locale>('en');

  useEffect(() => {
    setLocaleState(readStoredLocale() ?? localeFromNavigator());
  }, []);

  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);

  const setLocale = useCallback((next: Locale) => {
    setLocaleState(next);
    try {
      window.localStorage.setItem(storageKey, next);
    } catch {
      // private mode: the choice just is not remembered
    }
  }, []);

  const value = useMemo<I18n>(() => {
    const dict = messages[locale];
    return {
      locale,
      setLocale,
      t: (key, vars) => {
        const text: string = dict[key] ?? messages.en[key] ?? key;
        return vars ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m)) : text;
      },
      pick: (text) => (locale === 'zh-CN' ? text.zh || text.en : text.en || text.zh),
    };
  }, [locale, setLocale]);

  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n must be used inside <I18nProvider>');
  return ctx;
}

export const useT = () => useI18n().t;
