/** Compact numbers for dense tables and node cards: 950, 1.2k, 3.4M. */
export function formatCount(n: number, locale = 'en'): string {
  if (!Number.isFinite(n)) return '–';
  return new Intl.NumberFormat(locale, { notation: Math.abs(n) >= 10_000 ? 'compact' : 'standard', maximumFractionDigits: 1 }).format(n);
}

export function formatRate(n: number, locale = 'en'): string {
  if (!Number.isFinite(n)) return '–';
  return new Intl.NumberFormat(locale, { maximumFractionDigits: n < 10 ? 1 : 0 }).format(n);
}

export function formatTime(at: number | string | Date, locale = 'en'): string {
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? '–' : d.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function formatDateTime(at: number | string | Date, locale = 'en'): string {
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? '–' : d.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
}
