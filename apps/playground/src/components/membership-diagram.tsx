/**
 * Who can reach which site: users are members of agencies, agencies own sites (through their
 * clients). Drawn as SVG from the platform tables; pure, no hooks.
 */
import type { Platform } from '../lib/platform';

const FONT = 12;
const CHAR = FONT * 0.62;
const BOX_H = 26;
const ROW_GAP = 8;
const NOTE_LINE = 13;
const GAP = 48;
const MARGIN = 10;
const TOP = 26;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Splits a list into lines of at most `width` characters, at ", ". */
function wrap(items: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    const next = line ? `${line}, ${item}` : item;
    if (next.length > width && line) {
      lines.push(`${line},`);
      line = item;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines.map((l) => clip(l, width + 1));
}

interface Node {
  readonly id: string;
  readonly label: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly notes: readonly string[];
}

function column(
  items: readonly { id: string; label: string; notes?: readonly string[] }[],
  x: number,
  top: number,
): Node[] {
  const width = Math.ceil(
    Math.max(
      70,
      ...items.map((i) => clip(i.label, 24).length * CHAR + 18),
      ...items.flatMap((i) => (i.notes ?? []).map((n) => n.length * 10 * 0.62 + 6)),
    ),
  );
  let y = top;
  return items.map((item) => {
    const node = { id: item.id, label: clip(item.label, 24), x, y, width, notes: item.notes ?? [] };
    y += BOX_H + node.notes.length * NOTE_LINE + ROW_GAP + (node.notes.length > 0 ? 4 : 0);
    return node;
  });
}

function bottom(nodes: readonly Node[]): number {
  const last = nodes.at(-1);
  return last ? last.y + BOX_H + last.notes.length * NOTE_LINE + (last.notes.length ? 4 : 0) : 0;
}

/** Users -> agencies (membership) -> sites (ownership), optionally with what each site has installed. */
export function MembershipDiagram({
  platform,
  siteModules,
}: {
  platform: Platform;
  /** The modules installed on a site, listed under it. */
  siteModules?: (siteId: string) => readonly string[];
}) {
  const users = column(
    platform.users.map((u) => ({ id: u.id, label: u.name })),
    MARGIN,
    TOP,
  );
  const usersRight = (users[0]?.x ?? MARGIN) + (users[0]?.width ?? 70);
  const agencies = column(
    platform.agencies.map((a) => ({ id: a.id, label: a.name })),
    usersRight + GAP,
    TOP + BOX_H / 2,
  );
  const agenciesRight = (agencies[0]?.x ?? 0) + (agencies[0]?.width ?? 70);
  const sites = column(
    platform.sites.map((s) => {
      const modules = siteModules?.(s.id);
      return {
        id: s.id,
        label: `${s.label}: ${s.name}`,
        ...(modules && { notes: modules.length > 0 ? wrap(modules, 22) : ['no module'] }),
      };
    }),
    agenciesRight + GAP,
    TOP,
  );
  const width = (sites[0]?.x ?? agenciesRight + GAP) + (sites[0]?.width ?? 70) + MARGIN;
  const height = Math.max(bottom(users), bottom(agencies), bottom(sites)) + MARGIN;
  const agencyById = new Map(agencies.map((a) => [a.id, a] as const));
  const mid = (n: Node) => n.y + BOX_H / 2;
  const curve = (x1: number, y1: number, x2: number, y2: number) => {
    const m = (x1 + x2) / 2;
    return `M${x1} ${y1}C${m} ${y1} ${m} ${y2} ${x2} ${y2}`;
  };
  const box = (n: Node, fill: string, testid: string) => (
    <g key={n.id} data-testid={testid}>
      <rect x={n.x} y={n.y} width={n.width} height={BOX_H} rx={5} fill={fill} stroke="#b8c2d6" />
      <text x={n.x + 9} y={n.y + 17} fontSize={FONT} fill="#1d2330">
        {n.label}
      </text>
      {n.notes.map((line, i) => (
        <text
          key={line}
          x={n.x + 3}
          y={n.y + BOX_H + 11 + i * NOTE_LINE}
          fontSize={10}
          fill="#1f7a44"
        >
          {line}
        </text>
      ))}
    </g>
  );
  return (
    <figure className="diagram" data-testid="membership-diagram">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        width="100%"
        style={{ maxWidth: width, height: 'auto' }}
        role="img"
        aria-label="Users are members of agencies; agencies own sites"
        fontFamily="ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace"
      >
        {[
          ['users', users[0]?.x],
          ['agencies', agencies[0]?.x],
          ['sites', sites[0]?.x],
        ].map(([label, x]) => (
          <text
            key={String(label)}
            x={Number(x ?? 0)}
            y={14}
            fontSize={11}
            fill="#5d6678"
            fontWeight={700}
          >
            {label}
          </text>
        ))}
        {platform.users.flatMap((u, i) =>
          u.agencyIds.map((a) => {
            const user = users[i] as Node;
            const agency = agencyById.get(a);
            if (!agency) return null;
            return (
              <path
                key={`${u.id}-${a}`}
                d={curve(user.x + user.width, mid(user), agency.x, mid(agency))}
                fill="none"
                stroke="#2f5fd0"
                strokeWidth={1.4}
              >
                <title>{`${u.name} is a member of ${agency.label}`}</title>
              </path>
            );
          }),
        )}
        {platform.sites.map((s, i) => {
          const site = sites[i] as Node;
          const agency = agencyById.get(s.agencyId);
          if (!agency) return null;
          return (
            <path
              key={`${s.agencyId}-${s.id}`}
              d={curve(agency.x + agency.width, mid(agency), site.x, mid(site))}
              fill="none"
              stroke="#7d879a"
              strokeWidth={1.4}
            >
              <title>{`${agency.label} owns ${s.name}`}</title>
            </path>
          );
        })}
        {users.map((n) => box(n, '#fff', 'membership-user'))}
        {agencies.map((n) => box(n, '#e4ecfd', 'membership-agency'))}
        {sites.map((n) => box(n, '#f6f7f9', 'membership-site'))}
      </svg>
      <figcaption className="diagram-legend">
        <span>
          <span className="swatch" style={{ color: '#2f5fd0' }} />
          member of
        </span>
        <span>
          <span className="swatch" style={{ color: '#7d879a' }} />
          owns (through its client)
        </span>
        {siteModules ? <span className="k-p">green: the modules installed on the site</span> : null}
        <span>A user reaches a site's module rows only through an agency that owns the site.</span>
      </figcaption>
    </figure>
  );
}
