'use client';

import { useEffect, useState, useTransition } from 'react';
import { ConfirmButton } from '../../components/confirm-button';
import { ErrorMessage, SuccessMessage } from '../../components/error-message';
import type { ActionError } from '../../lib/action-result';
import { callAction } from '../../lib/call-action';
import {
  describeFilter,
  EMPTY_FILTER,
  FILTER_OPS,
  type FilterCondition,
  type FilterOp,
  type FilterSpec,
} from '../../lib/compound-filter';
import { type FormColumn, isAutomatic } from '../../lib/form-values';
import { byteLength, formatBytes, LIMITS } from '../../lib/limits';
import { showValue } from '../../lib/show-value';
import {
  createRowAction,
  type DataTarget,
  deleteRowAction,
  type ListView,
  listRowsAction,
  updateRowAction,
} from '../actions/data';

const PAGE_SIZE = 5;

const show = showValue;

function toField(column: FormColumn, value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value) && !column.type.startsWith('json')) return value.join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

const NEW_CONDITION: FilterCondition = { column: '', op: 'eq', value: '', not: false };

/** The compound filter: OR of groups, AND within a group, NOT per condition. */
function FilterBuilder({
  spec,
  columns,
  onChange,
}: {
  spec: FilterSpec;
  columns: readonly string[];
  onChange: (spec: FilterSpec) => void;
}) {
  const setCondition = (gi: number, ci: number, change: Partial<FilterCondition>) =>
    onChange({
      groups: spec.groups.map((g, i) =>
        i === gi ? g.map((c, j) => (j === ci ? { ...c, ...change } : c)) : g,
      ),
    });
  const total = spec.groups.reduce((n, g) => n + g.length, 0);
  return (
    <div data-testid="filter-builder">
      {spec.groups.map((group, gi) => (
        <div className="filter-group" key={gi} data-testid="filter-group">
          <div className="small muted">{gi === 0 ? 'Rows where' : 'or where'}</div>
          {group.map((c, ci) => (
            <div
              className="row"
              key={ci}
              style={{ margin: '4px 0' }}
              data-testid="filter-condition"
            >
              <span className="small muted" style={{ width: 28 }}>
                {ci === 0 ? '' : 'and'}
              </span>
              <label className="row small">
                <input
                  type="checkbox"
                  name="filter-not"
                  checked={c.not}
                  onChange={(e) => setCondition(gi, ci, { not: e.target.checked })}
                />
                not
              </label>
              <select
                name="filter-column"
                value={c.column}
                onChange={(e) => setCondition(gi, ci, { column: e.target.value })}
              >
                <option value="">column</option>
                {columns.map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </select>
              <select
                name="filter-op"
                value={c.op}
                onChange={(e) => setCondition(gi, ci, { op: e.target.value as FilterOp })}
              >
                {FILTER_OPS.map(([op, label]) => (
                  <option key={op} value={op}>
                    {label}
                  </option>
                ))}
              </select>
              {c.op !== 'is_null' ? (
                <input
                  name="filter-value"
                  value={c.value}
                  maxLength={LIMITS.filterValueChars}
                  placeholder="value"
                  onChange={(e) => setCondition(gi, ci, { value: e.target.value })}
                />
              ) : null}
              <button
                type="button"
                aria-label="Remove condition"
                onClick={() =>
                  onChange({
                    groups: spec.groups
                      .map((g, i) => (i === gi ? g.filter((_, j) => j !== ci) : g))
                      .filter((g, i) => g.length > 0 || i === 0),
                  })
                }
              >
                x
              </button>
            </div>
          ))}
          <button
            type="button"
            className="small"
            disabled={total >= LIMITS.filterConditions}
            onClick={() =>
              onChange({
                groups: spec.groups.map((g, i) => (i === gi ? [...g, NEW_CONDITION] : g)),
              })
            }
          >
            + and condition
          </button>
        </div>
      ))}
      <div className="row">
        <button
          type="button"
          disabled={total >= LIMITS.filterConditions}
          onClick={() => onChange({ groups: [...spec.groups, [NEW_CONDITION]] })}
        >
          + or group
        </button>
        <span className="field-note">
          Up to {LIMITS.filterConditions} conditions, values up to {LIMITS.filterValueChars}{' '}
          characters; contains and starts with match % and _ literally.
        </span>
      </div>
      <div className="small" data-testid="filter-expression">
        Matches: <span className="pill">{describeFilter(spec)}</span>
      </div>
    </div>
  );
}

/** Create, edit, list (compound filter, sort, offset or keyset pages) and delete rows. */
export function RowWorkbench({
  target,
  columns,
}: {
  target: DataTarget;
  columns: readonly FormColumn[];
}) {
  const editable = columns.filter((c) => !isAutomatic(c));
  const allColumns = ['id', ...columns.map((c) => c.name)];
  const [busy, start] = useTransition();
  const [values, setValues] = useState<Record<string, string>>({});
  const [editingId, setEditingId] = useState<string | null>(null);
  const [formError, setFormError] = useState<ActionError | null>(null);
  const [formDone, setFormDone] = useState<string | null>(null);

  const [filter, setFilter] = useState<FilterSpec>(EMPTY_FILTER);
  const [sort, setSort] = useState({ column: '', ascending: true });
  const [paging, setPaging] = useState<'offset' | 'keyset'>('offset');
  const [page, setPage] = useState(0);
  // Keyset: the cursor of each page visited so far (the first page's is null).
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [list, setList] = useState<ListView | null>(null);
  const [listError, setListError] = useState<ActionError | null>(null);
  // Keyset pages need NOT NULL sort columns: offer those only.
  const sortable =
    paging === 'keyset'
      ? [
          'id',
          ...columns
            .filter((c) => !c.nullable && !c.type.endsWith('[]') && !c.type.startsWith('json'))
            .map((c) => c.name),
        ]
      : allColumns;

  async function fetchPage(p: number, cursor: string | null) {
    const r = await callAction(() =>
      listRowsAction({
        ...target,
        filter,
        ...(sort.column && { sort }),
        pageSize: PAGE_SIZE,
        paging,
        page: p,
        cursor,
      }),
    );
    setList(r.ok ? r.value : null);
    setListError(r.ok ? null : r.error);
  }
  const reload = (p = page, cursor = cursors[p] ?? null) => start(() => fetchPage(p, cursor));
  const first = () => {
    setPage(0);
    setCursors([null]);
    start(() => fetchPage(0, null));
  };
  // Loads once per target: the parent keys this component by it.
  useEffect(() => {
    first();
  }, []);

  const rowBytes = byteLength(JSON.stringify(values));
  function submit() {
    setFormError(null);
    setFormDone(null);
    start(async () => {
      const size = { what: 'The row', bytes: rowBytes, limit: LIMITS.rowBytes };
      const r = editingId
        ? await callAction(() => updateRowAction(target, editingId, values), size)
        : await callAction(() => createRowAction(target, values), size);
      if (r.ok) {
        setFormDone(editingId ? `Saved ${show(r.value.id)}` : `Created ${show(r.value.id)}`);
        setEditingId(null);
        setValues({});
        await fetchPage(page, cursors[page] ?? null);
      } else {
        setFormError(r.error);
      }
    });
  }

  function remove(id: string) {
    setFormError(null);
    setFormDone(null);
    start(async () => {
      const r = await callAction(() => deleteRowAction(target, id));
      setFormError(r.ok ? null : r.error);
      setFormDone(r.ok ? `Deleted ${id}` : null);
      await fetchPage(page, cursors[page] ?? null);
    });
  }

  const total = list?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const hasNext = paging === 'keyset' ? Boolean(list?.nextCursor) : page + 1 < pages;

  return (
    <>
      <section className="card" data-testid="row-form">
        <h2>{editingId ? `Edit ${editingId}` : `New row in ${target.table}`}</h2>
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
            <span className="field-note" data-testid="row-limit">
              {formatBytes(rowBytes)} of at most {formatBytes(LIMITS.rowBytes)} per row
            </span>
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
          <div className="row small">
            <label className="row">
              <input
                type="radio"
                name="paging"
                value="offset"
                checked={paging === 'offset'}
                onChange={() => {
                  setPaging('offset');
                }}
              />
              offset pages
            </label>
            <label className="row">
              <input
                type="radio"
                name="paging"
                value="keyset"
                checked={paging === 'keyset'}
                onChange={() => {
                  setPaging('keyset');
                  if (
                    sort.column &&
                    !['id', ...columns.filter((c) => !c.nullable).map((c) => c.name)].includes(
                      sort.column,
                    )
                  ) {
                    setSort({ column: '', ascending: true });
                  }
                }}
              />
              keyset pages (findPage)
            </label>
          </div>
        </div>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            first();
          }}
        >
          <FilterBuilder spec={filter} columns={allColumns} onChange={setFilter} />
          <div className="row" style={{ marginTop: 6 }}>
            <select
              name="sort-column"
              value={sort.column}
              onChange={(e) => setSort({ ...sort, column: e.target.value })}
            >
              <option value="">{paging === 'keyset' ? 'by id' : 'unsorted'}</option>
              {sortable.map((c) => (
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
          </div>
        </form>
        <ErrorMessage error={listError} />
        <table className="grid" style={{ marginTop: 8, tableLayout: 'fixed' }}>
          <thead>
            <tr>
              {(list?.columns ?? []).map((c) => (
                <th key={c}>{c}</th>
              ))}
              <th style={{ width: 150 }} />
            </tr>
          </thead>
          <tbody>
            {(list?.rows ?? []).map((row) => (
              <tr key={String(row.id)}>
                {(list?.columns ?? []).map((c) => (
                  <td key={c} className={c === 'id' ? 'mono small' : ''}>
                    {c === 'id' ? show(row[c]).slice(0, 8) : show(row[c]).slice(0, 80)}
                  </td>
                ))}
                <td>
                  <div className="row">
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
                    </button>
                    <ConfirmButton
                      label="Delete"
                      confirmLabel="Delete this row"
                      disabled={busy}
                      onConfirm={() => remove(String(row.id))}
                    >
                      Delete row {String(row.id).slice(0, 8)}? There is no undo.
                    </ConfirmButton>
                  </div>
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
        <div className="row" style={{ marginTop: 8 }}>
          <button
            type="button"
            disabled={busy || page === 0}
            onClick={() => {
              setPage(page - 1);
              reload(page - 1, cursors[page - 1] ?? null);
            }}
          >
            Previous
          </button>
          <span className="small muted" data-testid="page-info">
            {paging === 'keyset'
              ? `page ${page + 1} (keyset: ${page === 0 ? 'first page' : `after cursor ${String(cursors[page]).slice(0, 12)}...`})`
              : `page ${page + 1} of ${pages} (offset ${page * PAGE_SIZE})`}
          </span>
          <button
            type="button"
            disabled={busy || !hasNext}
            onClick={() => {
              const next = page + 1;
              if (paging === 'keyset') {
                const cursor = list?.nextCursor ?? null;
                setCursors([...cursors.slice(0, next), cursor]);
                setPage(next);
                reload(next, cursor);
              } else {
                setPage(next);
                reload(next, null);
              }
            }}
          >
            Next
          </button>
        </div>
      </section>
    </>
  );
}
