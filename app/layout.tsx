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
    icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='7' fill='%232563eb'/%3E%3Cpath d='M6 12c3-3 5-3 8 0s5 3 8 0 4-2 4-2M6 20c3-3 5-3 8 0s5 3 8 0 4-2 4-2' stroke='white' stroke-width='2.6' fill='none' stroke-linecap='round'/%3E%3C/svg%3E",
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
