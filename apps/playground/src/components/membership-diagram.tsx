/**
 * Who can reach which site: users are members of agencies, agencies own sites (through their
 * clients). Drawn as SVG from the platform tables; pure, no hooks.
 */
import type { Platform } from '../lib/platform';

const ROW = 34;
const BOX_H = 26;
const CHAR = 7.2;
const GAP = 90;
const MARGIN = 10;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

interface Node {
  readonly id: string;
  readonly label: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
}

function column(items: readonly { id: string; label: string }[], x: number, top: number): Node[] {
  const width = Math.ceil(Math.max(80, ...items.map((i) => clip(i.label, 30).length * CHAR + 20)));
  return items.map((item, i) => ({ ...item, label: clip(item.label, 30), x, y: top + i * ROW, width }));
}

/** Users -> agencies (membership) -> sites (ownership). */
export function MembershipDiagram({
  platform,
  siteNote,
}: {
  platform: Platform;
  /** A short line under a site, e.g. the modules installed there. */
  siteNote?: (siteId: string) => string;
}) {
  const top = 28;
  const users = column(
    platform.users.map((u) => ({ id: u.id, label: u.name })),
    MARGIN,
    top,
  );
  const usersRight = (users[0]?.x ?? MARGIN) + (users[0]?.width ?? 80);
  const agencies = column(
    platform.agencies.map((a) => ({ id: a.id, label: a.name })),
    usersRight + GAP,
    top + 12,
  );
  const agenciesRight = (agencies[0]?.x ?? 0) + (agencies[0]?.width ?? 80);
  const sites = column(
    platform.sites.map((s) => ({ id: s.id, label: `${s.label}: ${s.name}` })),
    agenciesRight + GAP,
    top,
  );
  const siteRowExtra = siteNote ? 14 : 0;
  const sitesPlaced = sites.map((s, i) => ({ ...s, y: top + i * (ROW + siteRowExtra) }));
  const notesWidth = siteNote
    ? Math.max(0, ...platform.sites.map((s) => clip(siteNote(s.id), 60).length * 6.2))
    : 0;
  const width =
    (sitesPlaced[0]?.x ?? agenciesRight + GAP) +
    Math.max(sitesPlaced[0]?.width ?? 80, notesWidth) +
    MARGIN;
  const height =
    Math.max(
      users.length * ROW,
      agencies.length * ROW + 12,
      sitesPlaced.length * (ROW + siteRowExtra),
    ) +
    top +
    MARGIN;
  const agencyById = new Map(agencies.map((a) => [a.id, a] as const));
  const mid = (n: Node) => n.y + BOX_H / 2;
  const curve = (x1: number, y1: number, x2: number, y2: number) => {
    const m = (x1 + x2) / 2;
    return `M${x1} ${y1}C${m} ${y1} ${m} ${y2} ${x2} ${y2}`;
  };
  const box = (n: Node, fill: string, testid: string) => (
    <g key={n.id} data-testid={testid}>
      <rect x={n.x} y={n.y} width={n.width} height={BOX_H} rx={5} fill={fill} stroke="#b8c2d6" />
      <text x={n.x + 10} y={n.y + 17} fontSize={12} fill="#1d2330">
        {n.label}
      </text>
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
        <text x={MARGIN} y={14} fontSize={11} fill="#5d6678" fontWeight={700}>
          users
        </text>
        <text x={agencies[0]?.x ?? 0} y={14} fontSize={11} fill="#5d6678" fontWeight={700}>
          agencies
        </text>
        <text x={sitesPlaced[0]?.x ?? 0} y={14} fontSize={11} fill="#5d6678" fontWeight={700}>
          sites
        </text>
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
          const site = sitesPlaced[i] as Node;
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
        {sitesPlaced.map((n) => box(n, '#f6f7f9', 'membership-site'))}
        {siteNote
          ? sitesPlaced.map((n) => (
              <text key={`note-${n.id}`} x={n.x + 2} y={n.y + BOX_H + 11} fontSize={10} fill="#5d6678">
                {clip(siteNote(n.id), 60)}
              </text>
            ))
          : null}
      </svg>
      <figcaption className="diagram-legend">
        <span>
          <b className="k-sk">-</b> member of
        </span>
        <span>
          <b className="k-fk">-</b> owns (agency, through its client)
        </span>
        <span>A user reaches a site's module rows only through an agency that owns the site.</span>
      </figcaption>
    </figure>
  );
}
