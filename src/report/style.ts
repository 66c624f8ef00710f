/** The report's inline stylesheet (no external fonts or resources, prints on A4). */
export const REPORT_CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1120px;padding:0 16px;color:#222;line-height:1.4}
h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.25em;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:1.05em;margin:16px 0 6px}
.meta{color:#555;margin:0 0 16px}
.status{border:2px solid;border-radius:6px;padding:10px 14px;margin:12px 0 20px}
.status.ok{border-color:#59a14f;background:#eef7ec}.status.warn{border-color:#e15759;background:#fdecec}
.status .label{font-weight:bold;font-size:1.1em}
table{border-collapse:collapse;margin:6px 0 12px;font-size:0.9em}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}thead th{background:#f3f3f3;text-align:center}
tbody th{text-align:left;font-weight:normal}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:2px 14px;margin:6px 0}dl.facts dt{color:#555}dl.facts dd{margin:0}
.plots{display:flex;flex-wrap:wrap;gap:12px}
figure{margin:0;border:1px solid #eee;padding:4px}figcaption{font-size:0.85em;color:#555;max-width:520px}
svg.plot{max-width:100%;height:auto;background:#fff}
.note{color:#555;font-size:0.9em}
details pre{background:#f7f7f7;padding:8px;overflow:auto;max-height:480px;font-size:0.85em}
@media print{.plots{display:block}figure{break-inside:avoid}}
`;
