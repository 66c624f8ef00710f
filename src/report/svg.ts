/**
 * SVG building blocks shared by the plots: the frame (pixel layout), axes with ticks, grid and labels, and legends.
 *
 * Layout: a plot of `width` × `height` px has its plot area from x = left to x = width − right and from
 * y = top to y = height − bottom (SVG y grows downwards, so the data maximum is at y = top). Legends sit in the
 * right margin. Text is 11 px sans-serif, set on the <svg> element so the plot reads the same without the CSS.
 */
import { esc, px } from './escape.ts';

export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export interface PlotArea {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

export function plotArea(f: Frame): PlotArea {
  return { x0: f.left, x1: f.width - f.right, y0: f.top, y1: f.height - f.bottom };
}

/** One tick: its pixel position along the axis and its label as SVG text content (already escaped markup). */
export interface Tick {
  pos: number;
  label: string;
}

export interface LegendEntry {
  label: string;
  color: string;
  mark: 'dot' | 'line' | 'dash' | 'box';
}

const LEGEND_LABEL_CHARS = 20;
const LEGEND_ROW = 16;

/** The opening tag of a plot's <svg>: `id` names the plot for tests and links, `title` is its accessible name. */
export function svgOpen(f: Frame, id: string, kind: string, title: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="plot ${esc(kind)}" id="${esc(id)}" data-plot="${esc(id)}" ` +
    `width="${f.width}" height="${f.height}" viewBox="0 0 ${f.width} ${f.height}" role="img" ` +
    `font-family="sans-serif" font-size="11"><title>${esc(title)}</title>` +
    `<text class="plot-title" x="${f.left}" y="18" font-size="13" font-weight="bold">${esc(title)}</text>`
  );
}

/** Grid lines, tick marks, tick labels, the frame of the plot area and the axis labels. */
export function axes(f: Frame, xTicks: readonly Tick[], yTicks: readonly Tick[], xLabel: string, yLabel: string): string {
  const a = plotArea(f);
  const out: string[] = ['<g class="axes">'];
  for (const t of xTicks) {
    out.push(`<line class="grid" x1="${px(t.pos)}" x2="${px(t.pos)}" y1="${a.y0}" y2="${a.y1}" stroke="#e4e4e4"/>`);
    out.push(`<line class="tick-x" x1="${px(t.pos)}" x2="${px(t.pos)}" y1="${a.y1}" y2="${a.y1 + 5}" stroke="#333"/>`);
    out.push(`<text class="tick-label-x" x="${px(t.pos)}" y="${a.y1 + 17}" text-anchor="middle">${t.label}</text>`);
  }
  for (const t of yTicks) {
    out.push(`<line class="grid" x1="${a.x0}" x2="${a.x1}" y1="${px(t.pos)}" y2="${px(t.pos)}" stroke="#e4e4e4"/>`);
    out.push(`<line class="tick-y" x1="${a.x0 - 5}" x2="${a.x0}" y1="${px(t.pos)}" y2="${px(t.pos)}" stroke="#333"/>`);
    out.push(`<text class="tick-label-y" x="${a.x0 - 7}" y="${px(t.pos)}" dy="0.32em" text-anchor="end">${t.label}</text>`);
  }
  out.push(`<rect class="frame" x="${a.x0}" y="${a.y0}" width="${a.x1 - a.x0}" height="${a.y1 - a.y0}" fill="none" stroke="#333"/>`);
  out.push(`<text class="axis-label-x" x="${px((a.x0 + a.x1) / 2)}" y="${f.height - 10}" text-anchor="middle">${esc(xLabel)}</text>`);
  out.push(
    `<text class="axis-label-y" transform="translate(14 ${px((a.y0 + a.y1) / 2)}) rotate(-90)" dy="0.32em" ` +
      `text-anchor="middle">${esc(yLabel)}</text>`,
  );
  out.push('</g>');
  return out.join('');
}

/** A legend in the right margin, top-aligned with the plot area; long labels are shortened, the full one in a tooltip. */
export function legend(f: Frame, entries: readonly LegendEntry[]): string {
  const x = f.width - f.right + 12;
  const out: string[] = ['<g class="legend">'];
  entries.forEach((e, i) => {
    const y = f.top + 8 + i * LEGEND_ROW;
    const short = e.label.length > LEGEND_LABEL_CHARS ? e.label.slice(0, LEGEND_LABEL_CHARS - 1) + '…' : e.label;
    out.push('<g class="legend-entry">');
    if (e.mark === 'dot') out.push(`<circle cx="${x + 6}" cy="${y}" r="3.5" fill="${e.color}"/>`);
    else if (e.mark === 'box') out.push(`<rect x="${x}" y="${y - 5}" width="12" height="10" fill="${e.color}" fill-opacity="0.35" stroke="${e.color}"/>`);
    else {
      const dash = e.mark === 'dash' ? ' stroke-dasharray="4 3"' : '';
      out.push(`<line x1="${x}" x2="${x + 14}" y1="${y}" y2="${y}" stroke="${e.color}" stroke-width="2"${dash}/>`);
    }
    out.push(`<text x="${x + 20}" y="${y}" dy="0.32em"><title>${esc(e.label)}</title>${esc(short)}</text></g>`);
  });
  out.push('</g>');
  return out.join('');
}

/** Categorical colours (Tableau 10), distinguishable in colour-blind simulations; cycled beyond ten groups. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export function paletteColor(i: number): string {
  return PALETTE[i % PALETTE.length];
}
