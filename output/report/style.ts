/** The report's stylesheet, inlined into report.html (no web fonts, nothing fetched). */
export const STYLE = `
:root { color-scheme: light; --ink: #1f2933; --muted: #5b6570; --line: #e3e6ea; --bg: #ffffff; --panel: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 21px; margin: 40px 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
h3 { font-size: 17px; margin: 28px 0 6px; }
.meta { color: var(--muted); margin: 0 0 10px; font-size: 14px; }
.lead { max-width: 860px; margin: 4px 0 12px; }
.small, .caption { color: var(--muted); font-size: 13px; }
.ok { color: #1b7837; }
.warnings { background: #fff8e1; border: 1px solid #f0c36d; border-radius: 6px; padding: 4px 18px 10px; margin: 18px 0; }
.warnings h2 { border: 0; margin: 10px 0 4px; font-size: 17px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 12px; margin: 20px 0; }
.card { background: var(--panel); border-radius: 8px; padding: 12px 16px; }
.card .label { color: var(--muted); font-size: 13px; }
.card .value { font-size: 26px; font-weight: 650; font-variant-numeric: tabular-nums; }
.card .note { color: var(--muted); font-size: 13px; }
.neg { color: #c51b7d; } .pos { color: #1b7837; }
.maps { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 22px 28px; }
figure.map { margin: 0; }
figure.map.wide { max-width: 820px; margin-top: 28px; }
figure.map figcaption { margin-bottom: 6px; font-size: 16px; }
.map-frame { position: relative; width: 100%; background: #e4e7eb; border: 1px solid #c9ced4; }
.map-frame img { display: block; width: 100%; height: 100%; image-rendering: auto; }
.map-frame { overflow: hidden; }
.map-frame svg.overlay { position: absolute; inset: 0; width: 100%; height: 100%; overflow: hidden; pointer-events: none; }
svg.legend { display: block; margin-top: 6px; max-width: 100%; height: auto; }
svg.defs { position: absolute; width: 0; height: 0; overflow: hidden; }
.figure { margin-top: 8px; }
.subhead { margin: 14px 0 0; font-weight: 600; font-size: 14px; }
.chart-wrap svg.chart { display: block; max-width: 100%; height: auto; }
details { margin: 8px 0 4px; }
summary { cursor: pointer; color: #1f5f99; font-size: 14px; }
.table-wrap { overflow-x: auto; max-height: 480px; overflow-y: auto; border: 1px solid var(--line); border-radius: 4px; margin-top: 6px; }
table { border-collapse: collapse; font-size: 13px; width: 100%; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { position: sticky; top: 0; background: var(--panel); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code { font-size: 11.5px; word-break: break-all; }
.crs { font-family: ui-monospace, monospace; font-size: 12px; color: var(--muted); }
@media print { details { display: block; } .table-wrap { max-height: none; } }
`;
