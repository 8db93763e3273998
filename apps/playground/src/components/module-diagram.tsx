/**
 * An entity diagram of a module, drawn as SVG from its definition (no library, no network): one
 * box per table with its columns and policies, foreign keys as arrows to the referenced column.
 * Pure (no hooks): rendered on the server, or in the page from a server action's result.
 */
import type {
  DiagramColumn,
  DiagramModel,
  DiagramPolicy,
  DiagramState,
  DiagramTable,
} from '../lib/diagram-model';

const FONT = 11;
// Monospace advance width: DejaVu Sans Mono and friends are 0.602em; a little slack on top.
const CHAR = FONT * 0.62;
const ROW = 18;
const HEADER = 38;
const PAD = 8;
const GUTTER = 30;
const COLUMN_GAP = 56;
const TABLE_GAP = 22;
const MARGIN = 12;
const MAX_CHARS = 46;

const FILL: Record<DiagramState, string> = {
  added: '#e3f4ea',
  removed: '#fde4e1',
  changed: '#fff4d6',
};

interface Box {
  readonly table: DiagramTable;
  readonly external: boolean;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

function clip(text: string, max = MAX_CHARS): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function policyLabel(p: DiagramPolicy): string {
  return `${p.mode === 'permissive' ? 'permissive' : 'restrictive'} ${p.name} (${p.command})`;
}

function tableWidth(t: DiagramTable): number {
  // In characters of the 11px font: column name and type, policy lines, the header lines.
  const rows = [
    ...t.columns.map((c) => clip(c.name, 28).length + 2 + clip(c.type, 18).length + 1),
    ...t.policies.map((p) => clip(`${p.name} (${p.command})`).length),
    (clip(t.qualified).length * 10) / FONT,
    ((t.name.length + (t.state ? t.state.length + 3 : 0)) * 12) / FONT,
  ];
  return Math.ceil(GUTTER + Math.max(...rows) * CHAR + PAD * 2);
}

function tableHeight(t: DiagramTable): number {
  const policies = t.policies.length > 0 ? 6 + t.policies.length * ROW : 0;
  return HEADER + t.columns.length * ROW + policies + 6;
}

/** Columns of boxes: a table sits right of every table it references (cycles stop the climb). */
function layers(tables: readonly DiagramTable[]): Map<string, number> {
  const byName = new Map(tables.map((t) => [t.name, t] as const));
  const depth = new Map<string, number>();
  const visit = (t: DiagramTable, path: Set<string>): number => {
    const known = depth.get(t.name);
    if (known !== undefined) return known;
    let d = 0;
    for (const c of t.columns) {
      const ref = c.references;
      if (!ref || ref.external || ref.table === t.name || path.has(ref.table)) continue;
      const target = byName.get(ref.table);
      if (target) d = Math.max(d, visit(target, new Set([...path, t.name])) + 1);
    }
    depth.set(t.name, d);
    return d;
  };
  for (const t of tables) visit(t, new Set());
  return depth;
}

function externalTables(model: DiagramModel): DiagramTable[] {
  const seen = new Map<string, Set<string>>();
  for (const t of model.tables) {
    for (const c of t.columns) {
      if (c.references?.external && !c.siteKey) {
        const cols = seen.get(c.references.table) ?? new Set<string>();
        cols.add(c.references.column);
        seen.set(c.references.table, cols);
      }
    }
  }
  return [...seen].map(([name, cols]) => ({
    name,
    qualified: 'platform table',
    columns: [...cols].map((col) => ({
      name: col,
      type: 'uuid',
      nullable: false,
      primaryKey: true,
      siteKey: false,
      platform: true,
      unique: false,
    })),
    policies: [],
    indexes: [],
  }));
}

function layout(model: DiagramModel): { boxes: Box[]; width: number; height: number } {
  const depth = layers(model.tables);
  const externals = externalTables(model);
  const columns: { table: DiagramTable; external: boolean }[][] = [];
  if (externals.length > 0) columns.push(externals.map((table) => ({ table, external: true })));
  const offset = columns.length;
  for (const t of model.tables) {
    const i = (depth.get(t.name) ?? 0) + offset;
    while (columns.length <= i) columns.push([]);
    (columns[i] as { table: DiagramTable; external: boolean }[]).push({
      table: t,
      external: false,
    });
  }
  const boxes: Box[] = [];
  let x = MARGIN;
  let height = 0;
  for (const column of columns.filter((c) => c.length > 0)) {
    const width = Math.max(...column.map((c) => tableWidth(c.table)));
    let y = MARGIN;
    for (const { table, external } of column) {
      const h = tableHeight(table);
      boxes.push({ table, external, x, y, width, height: h });
      y += h + TABLE_GAP;
    }
    height = Math.max(height, y - TABLE_GAP + MARGIN);
    x += width + COLUMN_GAP;
  }
  return { boxes, width: x - COLUMN_GAP + MARGIN, height };
}

function rowY(box: Box, index: number): number {
  return box.y + HEADER + index * ROW + ROW / 2;
}

function marker(c: DiagramColumn): { text: string; color: string } | null {
  // site_id is part of the primary key (site_id, id): the site key is the mark that matters.
  if (c.siteKey) return { text: 'SK', color: '#2f5fd0' };
  if (c.primaryKey) return { text: 'PK', color: '#8a5a00' };
  if (c.references) return { text: 'FK', color: '#5d6678' };
  return null;
}

function ColumnRow({ box, column, index }: { box: Box; column: DiagramColumn; index: number }) {
  const y = box.y + HEADER + index * ROW;
  const m = marker(column);
  const struck = column.state === 'removed';
  const fill = column.state ? FILL[column.state] : column.siteKey ? '#eef3fe' : undefined;
  const tip = [
    `${column.name} ${column.type}${column.nullable ? '' : ' not null'}`,
    column.default ? `default ${column.default}` : '',
    column.unique ? 'unique within the site' : '',
    column.check ? `check ${column.check}` : '',
    column.references ? `references ${column.references.table}(${column.references.column})` : '',
    column.siteKey ? "site key: the row's site; the site policy and every index lead with it" : '',
    column.primaryKey ? 'part of the primary key' : '',
    column.platform ? 'added by the platform' : '',
    column.state ? `${column.state}${column.before ? ` (was: ${column.before})` : ''}` : '',
  ]
    .filter((s) => s !== '')
    .join('\n');
  return (
    <g data-column={column.name} data-state={column.state}>
      <title>{tip}</title>
      {fill ? <rect x={box.x + 1} y={y} width={box.width - 2} height={ROW} fill={fill} /> : null}
      {m ? (
        <text x={box.x + PAD} y={y + 13} fontSize={9} fontWeight={700} fill={m.color}>
          {m.text}
        </text>
      ) : null}
      <text
        x={box.x + GUTTER}
        y={y + 13}
        fontSize={FONT}
        fill={column.platform ? '#5d6678' : '#1d2330'}
        fontWeight={column.primaryKey || column.siteKey ? 700 : 400}
        textDecoration={struck ? 'line-through' : undefined}
      >
        {clip(column.name, 28)}
      </text>
      <text
        x={box.x + box.width - PAD}
        y={y + 13}
        fontSize={FONT}
        textAnchor="end"
        fill="#5d6678"
        textDecoration={struck ? 'line-through' : undefined}
      >
        {clip(column.type, 18)}
        {column.nullable ? '?' : ''}
      </text>
    </g>
  );
}

function TableBox({ box }: { box: Box }) {
  const t = box.table;
  const policyTop = box.y + HEADER + t.columns.length * ROW + 6;
  const headerFill = box.external ? '#f6f7f9' : t.state ? FILL[t.state] : '#e4ecfd';
  return (
    <g data-table={t.name} data-state={t.state}>
      <rect
        x={box.x}
        y={box.y}
        width={box.width}
        height={box.height}
        rx={6}
        fill="#fff"
        stroke={box.external ? '#aab' : '#b8c2d6'}
        strokeDasharray={box.external ? '4 3' : undefined}
      />
      <path
        d={`M${box.x} ${box.y + HEADER - 2}V${box.y + 6}a6 6 0 0 1 6 -6H${box.x + box.width - 6}a6 6 0 0 1 6 6V${box.y + HEADER - 2}Z`}
        fill={headerFill}
      />
      <text
        x={box.x + PAD}
        y={box.y + 16}
        fontSize={12}
        fontWeight={700}
        fill="#1d2330"
        textDecoration={t.state === 'removed' ? 'line-through' : undefined}
      >
        {t.name}
        {t.state ? ` (${t.state})` : ''}
      </text>
      <text x={box.x + PAD} y={box.y + 31} fontSize={10} fill="#5d6678">
        {clip(t.qualified)}
      </text>
      {t.columns.map((c, i) => (
        <ColumnRow key={c.name} box={box} column={c} index={i} />
      ))}
      {t.policies.length > 0 ? (
        <line
          x1={box.x}
          x2={box.x + box.width}
          y1={policyTop - 3}
          y2={policyTop - 3}
          stroke="#dde2ea"
        />
      ) : null}
      {t.policies.map((p, i) => (
        <g key={p.name} data-policy={p.name} data-state={p.state}>
          <title>
            {`${policyLabel(p)}${p.roles ? ` to ${p.roles.join(', ')}` : ''}${p.using ? `\nusing ${p.using}` : ''}${p.withCheck ? `\nwith check ${p.withCheck}` : ''}${
              p.mode === 'restrictive'
                ? '\nrestrictive: narrows what the site policy allows, never widens it'
                : ''
            }`}
          </title>
          {p.state ? (
            <rect
              x={box.x + 1}
              y={policyTop + i * ROW}
              width={box.width - 2}
              height={ROW}
              fill={FILL[p.state]}
            />
          ) : null}
          <text
            x={box.x + PAD}
            y={policyTop + i * ROW + 13}
            fontSize={9}
            fontWeight={700}
            fill={p.mode === 'permissive' ? '#1f7a44' : '#b42318'}
          >
            {p.mode === 'permissive' ? 'P' : 'R'}
          </text>
          <text
            x={box.x + GUTTER}
            y={policyTop + i * ROW + 13}
            fontSize={FONT}
            fill="#1d2330"
            textDecoration={p.state === 'removed' ? 'line-through' : undefined}
          >
            {clip(`${p.name} (${p.command})`)}
          </text>
        </g>
      ))}
    </g>
  );
}

function Edge({
  from,
  fromRow,
  to,
  toRow,
  label,
}: {
  from: Box;
  fromRow: number;
  to: Box;
  toRow: number;
  label: string;
}) {
  const y1 = rowY(from, fromRow);
  const y2 = rowY(to, toRow);
  let d: string;
  if (to.x + to.width <= from.x) {
    const x1 = from.x;
    const x2 = to.x + to.width;
    const mid = (x1 + x2) / 2;
    d = `M${x1} ${y1}C${mid} ${y1} ${mid} ${y2} ${x2 + 6} ${y2}`;
  } else if (from.x + from.width <= to.x) {
    const x1 = from.x + from.width;
    const x2 = to.x;
    const mid = (x1 + x2) / 2;
    d = `M${x1} ${y1}C${mid} ${y1} ${mid} ${y2} ${x2 - 6} ${y2}`;
  } else {
    // Same column (a self reference, or a cycle): loop round the right-hand side.
    const x = from.x + from.width;
    d = `M${x} ${y1}C${x + 36} ${y1} ${x + 36} ${y2} ${x + 6} ${y2}`;
  }
  return (
    <path d={d} fill="none" stroke="#7d879a" strokeWidth={1.3} markerEnd="url(#arrow)">
      <title>{label}</title>
    </path>
  );
}

/** The diagram of one module version (or of an upgrade, with what changes marked). */
export function ModuleDiagram({ model, caption }: { model: DiagramModel; caption?: string }) {
  const { boxes, width, height } = layout(model);
  const byName = new Map(boxes.map((b) => [b.table.name, b] as const));
  const edges: {
    key: string;
    from: Box;
    fromRow: number;
    to: Box;
    toRow: number;
    label: string;
  }[] = [];
  for (const box of boxes) {
    if (box.external) continue;
    box.table.columns.forEach((c, i) => {
      const ref = c.references;
      if (!ref || c.siteKey) return;
      const target = byName.get(ref.table);
      if (!target) return;
      const toRow = Math.max(
        0,
        target.table.columns.findIndex((x) => x.name === ref.column),
      );
      edges.push({
        key: `${box.table.name}.${c.name}`,
        from: box,
        fromRow: i,
        to: target,
        toRow,
        label: `${box.table.name}.${c.name} -> ${ref.table}.${ref.column}${ref.external ? '' : ' (same site: the key includes site_id)'}`,
      });
    });
  }
  return (
    <figure className="diagram" data-testid="module-diagram" data-tables={model.tables.length}>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        width="100%"
        style={{ maxWidth: width, height: 'auto' }}
        role="img"
        aria-label={`Entity diagram of ${model.namespace}, version ${model.version}`}
        fontFamily="ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace"
      >
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M0 0L10 5L0 10z" fill="#7d879a" />
          </marker>
        </defs>
        {edges.map(({ key, ...e }) => (
          <Edge key={key} {...e} />
        ))}
        {boxes.map((b) => (
          <TableBox key={`${b.external ? 'x:' : ''}${b.table.name}`} box={b} />
        ))}
      </svg>
      <figcaption className="diagram-legend">
        {caption ? <span>{caption}</span> : null}
        <span>
          <b className="k-pk">PK</b> primary key
        </span>
        <span>
          <b className="k-sk">SK</b> site key (site_id: the row's site; policies and indexes lead
          with it)
        </span>
        <span>
          <b className="k-fk">FK</b> foreign key (arrow)
        </span>
        <span>
          <b className="k-p">P</b> permissive platform policy (site, owner, admin)
        </span>
        <span>
          <b className="k-r">R</b> restrictive module policy
        </span>
        <span>type? nullable</span>
      </figcaption>
    </figure>
  );
}
