'use client';

import { usePathname } from 'next/navigation';

export const NAV = [
  ['/', 'Overview'],
  ['/modules', 'Modules'],
  ['/installations', 'Installations'],
  ['/data', 'Data'],
  ['/storefront', 'Storefront'],
  ['/isolation', 'Isolation'],
  ['/registry', 'Registry'],
  ['/health', 'Health'],
] as const;

/** The top navigation; the current screen is marked (`aria-current="page"`). */
export function Nav() {
  const path = usePathname();
  return (
    <nav aria-label="Screens">
      {NAV.map(([href, label]) => {
        const active = href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`);
        return (
          <a
            key={href}
            href={href}
            aria-current={active ? 'page' : undefined}
            className={active ? 'active' : undefined}
          >
            {label}
          </a>
        );
      })}
    </nav>
  );
}
