/**
 * Escaping and number formatting for HTML and inline SVG text. Every string that did not come from this module's
 * own templates (group names, file names, messages, config) goes through `esc` before it reaches the document.
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and for quoted attribute values alike. */
export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** A number for a table cell: `sig` significant digits, exponent form for very large or small magnitudes. */
export function fmtNum(x: number | null | undefined, sig = 4): string {
  if (x === null || x === undefined) return '—';
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e6 || a < 1e-4) return x.toExponential(sig - 1);
  return String(Number(x.toPrecision(sig)));
}

/** A pixel coordinate with two decimals (enough for any screen, and compact). */
export function px(v: number): string {
  return String(Math.round(v * 100) / 100);
}
