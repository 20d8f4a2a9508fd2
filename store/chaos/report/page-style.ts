// The page's stylesheet, inlined so the report needs nothing but itself.
// Outcome colors live here as classes: ok green, failed red, unknown amber,
// never completed grey; the witness gets a black outline.

export const pageStyle = `
:root { --ok: #2e9e4f; --fail: #d64545; --unknown: #e0a020; --pending: #9a9a9a; --p50: #2c7bb6; --p99: #8e44ad; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #222; background: #fafafa; }
section, header { padding: 8px 24px; }
h1 { margin: 0; font-size: 28px; }
h1 small { font-size: 15px; font-weight: normal; margin-left: 12px; }
h2 { font-size: 18px; margin: 18px 0 6px; border-bottom: 1px solid #ddd; }
h3 { font-size: 15px; margin: 12px 0 4px; }
.banner { color: #fff; padding: 16px 24px; }
.banner.pass { background: var(--ok); }
.banner.fail { background: var(--fail); }
.banner p { margin: 4px 0 0; }
table { border-collapse: collapse; margin: 4px 0; }
th, td { text-align: left; vertical-align: top; padding: 3px 8px; border-bottom: 1px solid #e4e4e4; }
tr.verdict.pass .mark { color: var(--ok); }
tr.verdict.fail .mark { color: var(--fail); font-weight: bold; }
tr.verdict.fail .check { color: var(--fail); font-weight: bold; }
td.stats { color: #555; font-size: 12px; }
pre.explanation { white-space: pre-wrap; margin: 0; max-height: 24em; overflow: auto; font-size: 12px; background: #fff; padding: 4px; border: 1px solid #eee; }
.side { display: flex; gap: 32px; flex-wrap: wrap; }
code { background: #eee; padding: 1px 4px; }
.note { color: #555; font-size: 13px; margin: 4px 0; }
.legend { font-size: 12px; margin: 4px 0; }
.sw { display: inline-block; width: 12px; height: 10px; margin: 0 3px 0 8px; vertical-align: middle; border-radius: 2px; }
.sw.ok { background: var(--ok); } .sw.fail { background: var(--fail); } .sw.unknown { background: var(--unknown); }
.sw.pending { background: var(--pending); } .sw.witness { border: 2px solid #000; }
.sw.fault { background: #8e44ad; opacity: .35; } .sw.p50 { background: var(--p50); } .sw.p99 { background: var(--p99); }
.scroll { overflow-x: auto; border: 1px solid #e4e4e4; background: #fff; }
svg.chart { display: block; font: 11px system-ui, sans-serif; }
.row-bg { fill: #fff; } .row-bg.odd { fill: #f3f3f3; }
.row-label, .tick { fill: #555; }
.grid { stroke: #e2e2e2; stroke-width: 1; }
rect.ok, rect.cell.ok { fill: var(--ok); } rect.fail, rect.cell.fail { fill: var(--fail); }
rect.unknown, rect.cell.unknown { fill: var(--unknown); } rect.pending, rect.cell.pending { fill: var(--pending); }
rect.witness { stroke: #000; stroke-width: 1.5; }
.fault-window { fill-opacity: .16; pointer-events: none; }
.fault-window.open { fill-opacity: .08; }
.fault-label { font-weight: 600; }
.leader-segment { stroke: #fff; stroke-width: .5; }
.term-change { stroke: #000; stroke-width: 1; }
.term-label { fill: #333; font-size: 10px; }
.term-key { font-weight: bold; margin-left: 8px; }
path.line { fill: none; stroke-width: 1.5; }
path.line.ok { stroke: var(--ok); } path.line.fail { stroke: var(--fail); }
path.line.p50 { stroke: var(--p50); } path.line.p99 { stroke: var(--p99); }
rect.hover { fill: transparent; }
rect.hover:hover { fill: #000; fill-opacity: .06; }
.witness-chart .op-label { font: 11px ui-monospace, Menlo, Consolas, monospace; fill: #222; }
.witness-chart line.maybe { stroke: var(--unknown); stroke-width: 2; stroke-dasharray: 4 3; }
table.ops td { font: 12px ui-monospace, Menlo, Consolas, monospace; }
table.ops tr.fail td { color: var(--fail); } table.ops tr.unknown td { color: #a06d00; }
footer { padding: 16px 24px; color: #777; font-size: 12px; }
`;
