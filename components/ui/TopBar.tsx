'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useI18n } from './i18n';
import type { Locale } from './messages';

const locales: { value: Locale; label: string }[] = [
  { value: 'en', label: 'English' },
  { value: 'zh-CN', label: '中文' },
];

export function TopBar() {
  const { t, locale, setLocale } = useI18n();
  const pathname = usePathname();
  const onPipelines = pathname === '/' || pathname.startsWith('/pipelines');

  return (
    <header className="topbar">
      <Link href="/" className="brand" aria-label="Weir">
        <span className="brand-mark" aria-hidden>
          ≋
        </span>
        Weir
      </Link>
      <nav className="topnav">
        <Link href="/" className={onPipelines ? 'active' : undefined}>
          {t('nav.pipelines')}
        </Link>
      </nav>
      <div className="spacer" />
      <div className="locale-toggle" role="group" aria-label={t('nav.language')} data-testid="locale-toggle">
        {locales.map((l) => (
          <button
            key={l.value}
            type="button"
            className={l.value === locale ? 'active' : undefined}
            aria-pressed={l.value === locale}
            onClick={() => setLocale(l.value)}
            lang={l.value}
          >
            {l.label}
          </button>
        ))}
      </div>
    </header>
  );
}
