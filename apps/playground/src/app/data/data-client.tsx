'use client';

import { useCallback, useEffect, useState, useTransition } from 'react';
import { ErrorMessage, SuccessMessage } from '../../components/error-message';
import type { ActionError } from '../../lib/action-result';
import type { FormColumn } from '../../lib/form-values';
import type { PlatformSite, PlatformUser } from '../../lib/platform';
import {
  createRowAction,
  type DataTarget,
  deleteRowAction,
  type ListView,
  listRowsAction,
  updateRowAction,
} from '../actions';

export interface DataModule {
  readonly key: string;
  readonly title: string;
  readonly tables: readonly { name: string; columns: readonly FormColumn[] }[];
  readonly siteIds: readonly string[];
}

const PAGE_SIZE = 5;
const AUTOMATIC = /_at$/;

function show(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function toField(column: FormColumn, value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value) && !column.type.startsWith('json')) return value.join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
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
  const [userId, setUserId] = useState(users[0]?.id ?? '');
  const [siteId, setSiteId] = useState(sites[0]?.id ?? '');
  const [moduleKey, setModuleKey] = useState(modules[0]?.key ?? '');
  const module = modules.find((m) => m.key === moduleKey) ?? modules[0];
  const [table, setTable] = useState(module?.tables[0]?.name ?? '');
  const tableDef = module?.tables.find((t) => t.name === table) ?? module?.tables[0];
  const columns = tableDef?.columns ?? [];
  const editable = columns.filter((c) => !(AUTOMATIC.test(c.name) && c.hasDefault));

  const [filter, setFilter] = useState({ column: '', op: 'eq', value: '' });
  const [sort, setSort] = useState({ column: '', ascending: true });
  const [page, setPage] = useState(0);
  const [list, setList] = useState<ListView | null>(null);
  const [listError, setListError] = useState<ActionError | null>(null);

  const [values, setValues] = useState<Record<string, string>>({});
  const [editingId, setEditingId] = useState<string | null>(null);
  const [formError, setFormError] = useState<ActionError | null>(null);
  const [formDone, setFormDone] = useState<string | null>(null);
  const [busy, start] = useTransition();

  const target: DataTarget = {
    userId,
    siteId,
    moduleKey: module?.key ?? '',
    table: tableDef?.name ?? '',
  };

  const refresh = useCallback(
    (overrides: { page?: number } = {}) => {
      start(async () => {
        const r = await listRowsAction({
          ...target,
          filter,
          sort,
          page: overrides.page ?? page,
          pageSize: PAGE_SIZE,
        });
        setList(r.ok ? r.value : null);
        setListError(r.ok ? null : r.error);
      });
    },
    [userId, siteId, moduleKey, table, filter, sort, page],
  );

  // Reload when the user, site, module or table changes; filter and sort apply on "Apply".
  useEffect(() => {
    setPage(0);
    setEditingId(null);
    setValues({});
    setFormError(null);
    setFormDone(null);
    refresh({ page: 0 });
  }, [userId, siteId, moduleKey, table]);

  if (!module || !tableDef) return null;
  const site = sites.find((s) => s.id === siteId);
  const user = users.find((u) => u.id === userId);
  const installedHere = module.siteIds.includes(siteId);
  const member = user && site ? user.agencyIds.includes(site.agencyId) : false;
  const total = list?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));

  function submit() {
    // Cleared outside the transition so a stale message never stands for the new outcome.
    setFormError(null);
    setFormDone(null);
    start(async () => {
      const r = editingId
        ? await updateRowAction(target, editingId, values)
        : await createRowAction(target, values);
      if (r.ok) {
        setFormError(null);
        setFormDone(editingId ? `Saved ${show(r.value.id)}` : `Created ${show(r.value.id)}`);
        setEditingId(null);
        setValues({});
        const again = await listRowsAction({ ...target, filter, sort, page, pageSize: PAGE_SIZE });
        setList(again.ok ? again.value : null);
        setListError(again.ok ? null : again.error);
      } else {
        setFormError(r.error);
        setFormDone(null);
      }
    });
  }

  function remove(id: string) {
    setFormError(null);
    setFormDone(null);
    start(async () => {
      const r = await deleteRowAction(target, id);
      setFormError(r.ok ? null : r.error);
      setFormDone(r.ok ? `Deleted ${id}` : null);
      const again = await listRowsAction({ ...target, filter, sort, page, pageSize: PAGE_SIZE });
      setList(again.ok ? again.value : null);
      setListError(again.ok ? null : again.error);
    });
  }

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

      <section className="card" data-testid="row-form">
        <h2>{editingId ? `Edit ${editingId}` : `New row in ${tableDef.name}`}</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <div className="form-grid">
            {editable.map((c) => (
              <label className="field" key={c.name}>
                <span>
                  {c.name} <span className="mono">{c.type}</span>
                  {!c.nullable && !c.hasDefault ? <span className="req"> *</span> : null}
                </span>
                <input
                  name={c.name}
                  value={values[c.name] ?? ''}
                  placeholder={c.hasDefault ? 'default' : c.nullable ? 'empty = null' : 'required'}
                  onChange={(e) => setValues((v) => ({ ...v, [c.name]: e.target.value }))}
                />
              </label>
            ))}
          </div>
          <div className="row" style={{ marginTop: 10 }}>
            <button type="submit" className="primary" disabled={busy}>
              {editingId ? 'Save changes' : 'Create'}
            </button>
            {editingId ? (
              <button
                type="button"
                onClick={() => {
                  setEditingId(null);
                  setValues({});
                }}
              >
                Cancel edit
              </button>
            ) : null}
          </div>
        </form>
        <ErrorMessage error={formError} />
        <SuccessMessage text={formDone} />
      </section>

      <section className="card" data-testid="row-list">
        <div className="spread">
          <h2>
            Rows{' '}
            <span className="muted small" data-testid="row-total">
              ({total} total)
            </span>
          </h2>
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              setPage(0);
              refresh({ page: 0 });
            }}
          >
            <select
              name="filter-column"
              value={filter.column}
              onChange={(e) => setFilter({ ...filter, column: e.target.value })}
            >
              <option value="">no filter</option>
              {['id', ...columns.map((c) => c.name)].map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
            <select
              name="filter-op"
              value={filter.op}
              onChange={(e) => setFilter({ ...filter, op: e.target.value })}
            >
              <option value="eq">=</option>
              <option value="neq">≠</option>
              <option value="gt">&gt;</option>
              <option value="gte">≥</option>
              <option value="lt">&lt;</option>
              <option value="lte">≤</option>
              <option value="contains">contains</option>
              <option value="is_null">is null</option>
            </select>
            <input
              name="filter-value"
              value={filter.value}
              placeholder="value"
              onChange={(e) => setFilter({ ...filter, value: e.target.value })}
            />
            <select
              name="sort-column"
              value={sort.column}
              onChange={(e) => setSort({ ...sort, column: e.target.value })}
            >
              <option value="">unsorted</option>
              {['id', ...columns.map((c) => c.name)].map((c) => (
                <option key={c} value={c}>
                  sort by {c}
                </option>
              ))}
            </select>
            <select
              name="sort-direction"
              value={sort.ascending ? 'asc' : 'desc'}
              onChange={(e) => setSort({ ...sort, ascending: e.target.value === 'asc' })}
            >
              <option value="asc">ascending</option>
              <option value="desc">descending</option>
            </select>
            <button type="submit" disabled={busy}>
              Apply
            </button>
          </form>
        </div>
        <ErrorMessage error={listError} />
        <div style={{ overflowX: 'auto' }}>
          <table className="grid">
            <thead>
              <tr>
                {(list?.columns ?? []).map((c) => (
                  <th key={c}>{c}</th>
                ))}
                <th />
              </tr>
            </thead>
            <tbody>
              {(list?.rows ?? []).map((row) => (
                <tr key={String(row.id)}>
                  {(list?.columns ?? []).map((c) => (
                    <td key={c} className={c === 'id' ? 'mono small' : ''}>
                      {c === 'id' ? show(row[c]).slice(0, 8) : show(row[c]).slice(0, 60)}
                    </td>
                  ))}
                  <td style={{ whiteSpace: 'nowrap' }}>
                    <button
                      type="button"
                      onClick={() => {
                        setEditingId(String(row.id));
                        setFormError(null);
                        setValues(
                          Object.fromEntries(
                            editable.map((c) => [c.name, toField(c, row[c.name])]),
                          ),
                        );
                      }}
                    >
                      Edit
                    </button>{' '}
                    <button type="button" className="danger" onClick={() => remove(String(row.id))}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {list && list.rows.length === 0 ? (
            <p className="muted" data-testid="no-rows">
              No rows visible to this user on this site.
            </p>
          ) : null}
        </div>
        <div className="row" style={{ marginTop: 8 }}>
          <button
            type="button"
            disabled={busy || page === 0}
            onClick={() => {
              setPage(page - 1);
              refresh({ page: page - 1 });
            }}
          >
            Previous
          </button>
          <span className="small muted">
            page {page + 1} of {pages}
          </span>
          <button
            type="button"
            disabled={busy || page + 1 >= pages}
            onClick={() => {
              setPage(page + 1);
              refresh({ page: page + 1 });
            }}
          >
            Next
          </button>
        </div>
      </section>
    </>
  );
}
