import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { I18nProvider } from '@/components/ui/i18n';
import { TopBar } from '@/components/ui/TopBar';
import { Footer } from '@/components/ui/Footer';
import './globals.css';

export const metadata: Metadata = {
  title: 'Weir',
  description: 'Draw a streaming pipeline, deploy it, watch site analytics live.',
  // Inline, so the app needs no file for it and never asks the network.
  icons: {
    icon: '/favicon.svg',
  },
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <I18nProvider>
          <div className="app-shell">
            <TopBar />
            <main className="app-main">{children}</main>
            <Footer />
          </div>
        </I18nProvider>
      </body>
    </html>
  );
}
