'use client';

import { useState } from 'react';
import type { FormColumn } from '../../lib/form-values';
import type { PlatformSite, PlatformUser } from '../../lib/platform';
import type { DataTarget } from '../actions/data';
import { AdminPanel } from './admin-panel';
import { BatchDemo } from './batch-demo';
import { RowWorkbench } from './row-workbench';

export interface DataModule {
  readonly key: string;
  readonly title: string;
  readonly tables: readonly { name: string; columns: readonly FormColumn[] }[];
  readonly siteIds: readonly string[];
  /** The table the batch demo writes to. */
  readonly demoTable: string | null;
}

export function DataClient({
  modules,
  users,
  sites,
}: {
  modules: readonly DataModule[];
  users: readonly PlatformUser[];
  sites: readonly PlatformSite[];
}) {
  // Open on a site where a module is installed and a user who may reach it there.
  const firstSite = sites.find((s) => modules[0]?.siteIds.includes(s.id)) ?? sites[0];
  const firstUser =
    users.find((u) => firstSite && u.agencyIds.includes(firstSite.agencyId)) ?? users[0];
  const [userId, setUserId] = useState(firstUser?.id ?? '');
  const [siteId, setSiteId] = useState(firstSite?.id ?? '');
  const [moduleKey, setModuleKey] = useState(modules[0]?.key ?? '');
  const module = modules.find((m) => m.key === moduleKey) ?? modules[0];
  const [table, setTable] = useState(module?.tables[0]?.name ?? '');
  const tableDef = module?.tables.find((t) => t.name === table) ?? module?.tables[0];
  if (!module || !tableDef) return null;
  const site = sites.find((s) => s.id === siteId);
  const user = users.find((u) => u.id === userId);
  const installedHere = module.siteIds.includes(siteId);
  const member = user && site ? user.agencyIds.includes(site.agencyId) : false;
  const target: DataTarget = { userId, siteId, moduleKey: module.key, table: tableDef.name };

  return (
    <>
      <section className="card">
        <div className="row">
          <label className="field">
            User
            <select name="user" value={userId} onChange={(e) => setUserId(e.target.value)}>
              {users.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            Site
            <select name="site" value={siteId} onChange={(e) => setSiteId(e.target.value)}>
              {sites.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.label}: {s.name} ({s.agencyName})
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            Module
            <select
              name="module"
              value={module.key}
              onChange={(e) => {
                const next = modules.find((m) => m.key === e.target.value);
                setModuleKey(e.target.value);
                setTable(next?.tables[0]?.name ?? '');
              }}
            >
              {modules.map((m) => (
                <option key={m.key} value={m.key}>
                  {m.title}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            Table
            <select name="table" value={tableDef.name} onChange={(e) => setTable(e.target.value)}>
              {module.tables.map((t) => (
                <option key={t.name} value={t.name}>
                  {t.name}
                </option>
              ))}
            </select>
          </label>
        </div>
        <div className="row small muted" style={{ marginTop: 8 }} data-testid="context">
          {member ? (
            <span className="badge ok">member of {site?.agencyName}</span>
          ) : (
            <span className="badge bad">not a member of {site?.agencyName}</span>
          )}
          {installedHere ? (
            <span className="badge ok">installed on this site</span>
          ) : (
            <span className="badge bad">not installed on this site</span>
          )}
          <span>PostgreSQL allows this user's reads and writes here only when both are green.</span>
        </div>
      </section>
      <RowWorkbench
        key={`${userId}/${siteId}/${module.key}/${tableDef.name}`}
        target={target}
        columns={tableDef.columns}
      />
      {module.demoTable ? <BatchDemo target={target} table={module.demoTable} /> : null}
      <AdminPanel moduleKey={module.key} moduleTitle={module.title} table={tableDef.name} />
    </>
  );
}
