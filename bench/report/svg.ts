/**
 * results.svg: one horizontal bar per (workload, peer), the length being mcp-core's advantage
 * on a log scale centred on 1x, so 2x ahead and 2x behind are bars of the same length. A thin
 * line across each bar spans the range the runs allow; ties (that range holds 1x) are grey.
 * Written by hand: a few rects and texts need no charting library.
 */
import { PEER_LABELS } from '../targets.ts';
import type { WorkloadResult } from '../workloads/types.ts';
import { fmtRatio } from './format.ts';
import { compare } from './ratios.ts';

const WIDTH = 980;
const LABEL_X = 16;
const CHART_LEFT = 360;
const CHART_RIGHT = 900;
const ROW = 20;
const HEADER = 26;
const TOP = 70;
const TICKS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

/** Bars compare mcp-core with peers; the bytes-only floor is no peer (it reads no JSON), so it stays in the tables. */
const charted = (row: { key: string }) => row.key !== 'mcp-core' && row.key !== 'bytes';

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderSvg(workloads: readonly WorkloadResult[], subtitle: string): string {
  const ratios = workloads
    .flatMap((w) => w.rows.filter(charted).map((r) => compare(w, r)))
    .flatMap((c) => (c === undefined ? [] : [c.low, c.high]));
  const lo = Math.min(0.5, ...ratios.map((r) => r / 1.3));
  const hi = Math.max(2, ...ratios.map((r) => r * 1.3));
  const span = Math.log10(hi) - Math.log10(lo);
  const x = (ratio: number) => CHART_LEFT + ((Math.log10(ratio) - Math.log10(lo)) / span) * (CHART_RIGHT - CHART_LEFT);

  const body: string[] = [];
  let y = TOP;
  for (const workload of workloads) {
    const peers = workload.rows.filter(charted);
    if (peers.length === 0) continue;
    body.push(`<text x="${LABEL_X}" y="${y + 17}" class="workload">${xml(workload.title)}</text>`);
    y += HEADER;
    for (const peer of peers) {
      const comparison = compare(workload, peer);
      const ratio = comparison?.ratio;
      body.push(`<text x="${CHART_LEFT - 10}" y="${y + 14}" class="peer" text-anchor="end">${xml(PEER_LABELS[peer.key])}</text>`);
      if (ratio === undefined) {
        const who = peer.failure !== undefined ? `${PEER_LABELS[peer.key]} failed` : 'mcp-core failed';
        body.push(`<text x="${x(1) + 6}" y="${y + 14}" class="na">no ratio (${xml(who)})</text>`);
      } else {
        const start = Math.min(x(1), x(ratio));
        const width = Math.max(1, Math.abs(x(ratio) - x(1)));
        const ahead = ratio >= 1;
        const { low, high, verdict } = comparison!;
        body.push(`<rect x="${start.toFixed(1)}" y="${y + 3}" width="${width.toFixed(1)}" height="${ROW - 6}" class="${verdict}"/>`);
        body.push(`<line x1="${x(low).toFixed(1)}" y1="${y + ROW / 2}" x2="${x(high).toFixed(1)}" y2="${y + ROW / 2}" class="spread"/>`);
        // Values of bars left of 1x go just right of the 1x line, clear of the peer names.
        const labelX = ahead ? Math.max(x(ratio), x(high)) + 5 : x(1) + 5;
        const label = verdict === 'tie' ? `tie (${fmtRatio(ratio)})` : fmtRatio(ratio);
        body.push(`<text x="${labelX.toFixed(1)}" y="${y + 14}" class="value">${label}</text>`);
      }
      y += ROW;
    }
    y += 6;
  }
  const bottom = y + 10;
  const grid = TICKS.filter((t) => t >= lo && t <= hi).map(
    (t) =>
      `<line x1="${x(t).toFixed(1)}" y1="${TOP - 6}" x2="${x(t).toFixed(1)}" y2="${bottom - 14}" class="${t === 1 ? 'one' : 'grid'}"/>` +
      `<text x="${x(t).toFixed(1)}" y="${bottom}" class="tick" text-anchor="middle">${t}x</text>`,
  );
  const height = bottom + 14;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    '<style>',
    '.title{font-size:17px;font-weight:bold;fill:#222}.sub{font-size:12px;fill:#555}.workload{font-size:13px;font-weight:bold;fill:#222}',
    '.peer{font-size:12px;fill:#333}.value{font-size:11px;fill:#222}.na{font-size:11px;fill:#999;font-style:italic}.tick{font-size:11px;fill:#666}',
    '.ahead{fill:#2e8b57}.behind{fill:#d2691e}.tie{fill:#aaa}.spread{stroke:#222;stroke-width:1.5}.grid{stroke:#ddd;stroke-width:1}.one{stroke:#333;stroke-width:1.5}',
    '</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="${LABEL_X}" y="26" class="title">mcp-core advantage over each peer (log scale; right of 1x = mcp-core ahead)</text>`,
    `<text x="${LABEL_X}" y="46" class="sub">${xml(subtitle)}</text>`,
    ...grid,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
