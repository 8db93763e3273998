import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { Nav } from '../components/nav';
import { databaseInfo } from '../lib/database';
import './globals.css';

export const metadata: Metadata = {
  title: 'DRAMAC module databases: playground',
  description: 'Module and site isolation enforced by PostgreSQL, end to end.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  const info = databaseInfo();
  return (
    <html lang="en">
      <body>
        <header className="top">
          <span className="brand">DRAMAC module databases</span>
          <Nav />
        </header>
        <main>{children}</main>
        <footer className="db" data-testid="db-info">
          Database:{' '}
          {info.kind === 'embedded'
            ? `embedded PostgreSQL 17 at ${info.where}${info.dataDir ? `, data in ${info.dataDir}` : ''}`
            : `DATABASE_URL ${info.where}`}
        </footer>
      </body>
    </html>
  );
}
