/** Number formatting shared by the Markdown, console and SVG writers. */

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Milliseconds with about three significant digits. */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

export function fmtBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '-';
  if (Math.abs(bytes) >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (Math.abs(bytes) >= 1024) return `${(bytes / 1024).toFixed(2)} KiB`;
  return `${Math.round(bytes)} B`;
}

export function fmtRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return '-';
  return ratio >= 10 ? `${ratio.toFixed(1)}x` : `${ratio.toFixed(2)}x`;
}

/**
 * A comparison in words, the factor always the winner's lead: "ahead 1.21x (1.18-1.24)",
 * "behind 1.20x (1.17-1.23)" (the peer is 1.20x better), "tie 0.99x (0.95-1.03)".
 */
export function fmtComparison(c: { ratio: number; low: number; high: number; verdict: string } | undefined): string {
  if (c === undefined) return '-';
  if (c.verdict === 'behind') return `behind ${fmtRatio(1 / c.ratio)} (${fmtRatio(1 / c.high)}-${fmtRatio(1 / c.low)})`;
  return `${c.verdict} ${fmtRatio(c.ratio)} (${fmtRatio(c.low)}-${fmtRatio(c.high)})`;
}

/** The headline value in its unit. */
export function fmtValue(value: number, unit: string): string {
  if (unit === 'req/s') return `${fmtInt(value)} req/s`;
  if (unit === 'ms') return `${fmtMs(value)} ms`;
  if (unit === 'bytes') return fmtBytes(value);
  if (unit === 'listings/s') return `${fmtInt(value)} listings/s`;
  return `${value} ${unit}`;
}

/** A share of one core as a percentage. */
export function fmtShare(share: number | undefined): string {
  return share === undefined || !Number.isFinite(share) ? '-' : `${Math.round(share * 100)}%`;
}
