import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';

// public/weir-beacon.js runs in visitors' browsers: small, ES5, no dependencies. Here it runs in a
// bare VM context with a stand-in window, so what it sends is checked without a browser (e2e/beacon.spec.ts does it in Chromium).
const file = path.resolve(__dirname, '../../../public/weir-beacon.js');
const source = readFileSync(file, 'utf8');

interface Sent {
  url: string;
  body: string;
}

function load(attrs: Record<string, string>, opts: { dnt?: string; sendBeacon?: boolean; href?: string } = {}) {
  const sent: Sent[] = [];
  const listeners: Record<string, (() => void)[]> = {};
  const location = { href: opts.href ?? 'https://shop.example/news/1?x=2#comments' };
  const script = {
    src: 'https://weir.example:8443/weir-beacon.js',
    getAttribute: (k: string) => attrs[k] ?? null,
    hasAttribute: (k: string) => k in attrs,
  };
  const history = {
    pushState(_state: unknown, _title: string, url: string) {
      location.href = new URL(url, location.href).href;
    },
  };
  const window: Record<string, unknown> = {
    location,
    history,
    screen: { width: 1280, height: 800 },
    navigator: {
      language: 'zh-CN',
      doNotTrack: opts.dnt ?? null,
      sendBeacon: opts.sendBeacon === false ? undefined : (url: string, body: string) => (sent.push({ url, body }), true),
    },
    fetch: (url: string, init: { body: string }) => (sent.push({ url, body: init.body }), Promise.resolve()),
    addEventListener: (type: string, fn: () => void) => (listeners[type] ??= []).push(fn),
  };
  const document = {
    currentScript: script,
    referrer: 'https://search.example/?q=shoes',
    title: 'News 1',
    createElement: () => {
      const a = { href: '', protocol: '', host: '' };
      return new Proxy(a, {
        set(t, k, v) {
          if (k === 'href') {
            const u = new URL(v);
            Object.assign(t, { href: u.href, protocol: u.protocol, host: u.host });
          }
          return true;
        },
      });
    },
    querySelector: () => script,
  };
  runInNewContext(source, { window, document, JSON, Date, encodeURIComponent });
  return { sent, window, history, fire: (type: string) => listeners[type]?.forEach((f) => f()), location };
}

describe('public/weir-beacon.js', () => {
  it('is small and ES5', () => {
    expect(Buffer.byteLength(source)).toBeLessThan(2048);
    const espree = createRequire(import.meta.url)('espree') as { parse(src: string, opts: object): unknown };
    expect(() => espree.parse(source, { ecmaVersion: 5 })).not.toThrow();
  });

  it('posts a page view to <script origin>/api/collect/<data-source> on load', () => {
    const { sent } = load({ 'data-source': 'web 1' });
    expect(sent).toHaveLength(1);
    expect(sent[0].url).toBe('https://weir.example:8443/api/collect/web%201');
    expect(JSON.parse(sent[0].body)).toMatchObject({ url: 'https://shop.example/news/1?x=2', referrer: 'https://search.example/?q=shoes', title: 'News 1', lang: 'zh-CN', screen: '1280x800', ts: expect.any(Number) });
  });

  it('counts SPA navigations (pushState, popstate) once each, with the previous page as referrer', () => {
    const { sent, history, fire, location } = load({ 'data-source': 'web1' });
    (history as { pushState(s: unknown, t: string, u: string): void }).pushState({}, '', '/sports/live');
    (history as { pushState(s: unknown, t: string, u: string): void }).pushState({}, '', '/sports/live'); // same URL: not a new view
    location.href = 'https://shop.example/news/1?x=2';
    fire('popstate');
    expect(sent.map((s) => JSON.parse(s.body).url)).toEqual(['https://shop.example/news/1?x=2', 'https://shop.example/sports/live', 'https://shop.example/news/1?x=2']);
    expect(JSON.parse(sent[1].body).referrer).toBe('https://shop.example/news/1?x=2');
  });

  it('falls back to fetch, honours data-api, and stays silent under Do-Not-Track with data-respect-dnt', () => {
    const viaFetch = load({ 'data-source': 'web1', 'data-api': 'https://collect.example' }, { sendBeacon: false });
    expect(viaFetch.sent[0].url).toBe('https://collect.example/api/collect/web1');
    expect(load({ 'data-source': 'web1', 'data-respect-dnt': '' }, { dnt: '1' }).sent).toHaveLength(0);
    expect(load({ 'data-source': 'web1' }, { dnt: '1' }).sent).toHaveLength(1);
    expect(load({}).sent).toHaveLength(0);
  });
});
