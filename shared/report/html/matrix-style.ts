/** The page's stylesheet: states have colour AND text (RTT, loss, cause), so nothing relies on colour alone. */
export const MATRIX_STYLE = `
:root { --c-up: hsl(140 50% 45%); --c-degraded: hsl(38 95% 50%); --c-down: hsl(0 75% 50%);
  --c-unknown: hsl(220 8% 60%); --c-none: hsl(220 10% 88%); --fg: #1d2330; --muted: #5d6675; --line: #d5d9e0;
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); }
body { margin: 0; padding: 16px 20px; background: #f7f8fa; }
header.top { display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px 20px; margin-bottom: 8px; }
h1 { font-size: 20px; margin: 0; }
.sweep { font-size: 16px; }
.sweep strong { font-size: 18px; }
.summary { color: var(--muted); }
.state { display: inline-block; padding: 0 6px; border-radius: 3px; color: #fff; font-weight: 600; background: var(--c-unknown); }
.state.s-up { background: var(--c-up); } .state.s-degraded { background: var(--c-degraded); color: #1d2330; }
.state.s-down { background: var(--c-down); } .state.s-none { background: var(--c-none); color: var(--fg); }
.stale-banner { margin: 8px 0; padding: 10px 14px; border: 2px solid #8a6d00; background: #fff3bf; font-weight: 600; }
.stale-banner[hidden] { display: none; }
.problems-summary { margin: 8px 0; padding: 8px 14px; border-left: 4px solid var(--c-down); background: #fff; }
.problems-summary ul { margin: 4px 0 0; padding-left: 20px; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; color: var(--muted); margin: 8px 0; }
.legend i { display: inline-block; width: 14px; height: 14px; vertical-align: -2px; border-radius: 2px; margin-right: 4px; }
.layout { display: flex; align-items: flex-start; gap: 16px; }
.pane { flex: 0 1 auto; min-width: 0; }
.pane > .summary { margin: 0 0 4px; width: 0; min-width: 100%; } /* wraps to the grid's width */
.scroll { overflow: auto; max-height: calc(100vh - 190px); max-width: 100%; border: 1px solid var(--line); background: #fff; }
/* A grid whose tracks exist for every host while only the cells in view are elements (the script
   places them by row and column): the scroll extent is right, and the headers stick. */
.matrix { display: grid; position: relative; width: max-content; gap: 2px; padding: 0 2px 2px 0; font-size: 12px;
  grid-template-columns: max-content repeat(var(--n), 9em); grid-template-rows: auto repeat(var(--n), 4.2em); }
.matrix.dense { grid-template-columns: max-content repeat(var(--n), 3.6em); grid-template-rows: auto repeat(var(--n), 3.1em); }
.matrix .corner, .matrix .col, .matrix .row { font-weight: 600; background: #fff; position: sticky; z-index: 1; }
/* The white shadow covers the 2px gap next to a header, so cells scrolling under it do not show through. */
.matrix .col { top: 0; grid-row: 1; display: flex; align-items: flex-end; justify-content: center; box-shadow: 2px 0 0 #fff, 0 -2px 0 #fff; }
.matrix .row { left: 0; grid-column: 1; display: flex; align-items: center; justify-content: flex-end; white-space: nowrap; box-shadow: 0 2px 0 #fff, -2px 0 0 #fff; }
.matrix .corner { top: 0; left: 0; z-index: 2; grid-row: 1; grid-column: 1; color: var(--muted); font-weight: 400; display: flex; align-items: flex-end; padding: 2px 4px; box-shadow: 2px 2px 0 #fff; }
.matrix .col button { writing-mode: vertical-rl; transform: rotate(180deg); max-height: 14em; overflow: hidden; }
.matrix .col .problem { writing-mode: vertical-rl; }
.matrix .col button, .matrix .row button { font: inherit; background: none; border: 0; padding: 2px 4px; cursor: pointer; color: inherit; text-align: inherit; }
.matrix .host-down button, .matrix .host-unknown button { color: #a30d0d; }
.problem { display: inline-block; font-size: 10px; font-weight: 600; color: #7a0b0b; background: #ffe0e0;
  border-radius: 3px; padding: 0 3px; margin: 1px; }
.matrix .self { background: repeating-linear-gradient(45deg, #eef0f3 0 4px, #fff 4px 8px); }
.noscript { color: #a30d0d; font-weight: 600; }
.cell { display: flex; flex-direction: column; align-items: stretch; width: 100%; min-width: 0; height: 100%; overflow: hidden;
  border: 0; padding: 2px 3px 0; font: inherit; line-height: 1.2; cursor: pointer; border-radius: 2px; color: #10261a; text-align: center; }
.cell b { font-weight: 600; } .cell small { font-size: 11px; }
.cell .hist { display: block; margin-top: auto; height: 6px; background: var(--c-none); box-shadow: 0 0 0 1px #fff; }
.cell.s-up { background: hsl(140 45% var(--l, 80%)); }
.cell.s-degraded { background: hsl(38 95% var(--l, 70%)); color: #2a1d00; }
.cell.s-down { background: hsl(0 75% 52%); color: #fff; }
.cell.s-unknown { background: repeating-linear-gradient(45deg, #c9ced6 0 5px, #dde1e7 5px 10px); color: #2b3240; }
.cell em { font-style: normal; font-size: 10px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.cell.latent { box-shadow: inset 0 0 0 2px var(--c-degraded); }
.cell[aria-pressed="true"] { outline: 3px solid #1d4ed8; outline-offset: -3px; }
.cell:focus-visible, .matrix button:focus-visible { outline: 3px solid #1d4ed8; outline-offset: -3px; }
.hist.hs-up { background: var(--c-up); } .hist.hs-degraded { background: var(--c-degraded); }
.hist.hs-down { background: var(--c-down); } .hist.hs-unknown { background: var(--c-unknown); }
.dense .cell { font-size: 10px; white-space: nowrap; } .dense .cell .hist { height: 4px; }
.details { flex: 0 0 460px; position: sticky; top: 8px; max-height: calc(100vh - 40px); overflow: auto;
  background: #fff; border: 1px solid var(--line); padding: 10px 14px; font-size: 13px; }
.details h2 { font-size: 16px; margin: 0 0 6px; } .details h3 { font-size: 13px; margin: 10px 0 4px; }
.details table { border-collapse: collapse; width: 100%; font-size: 12px; }
.details th, .details td { text-align: left; border-bottom: 1px solid var(--line); padding: 2px 4px; vertical-align: top; overflow-wrap: break-word; }
.details .probes th, .details .probes td:nth-child(-n+4) { white-space: nowrap; }
.details .probes td:last-child { overflow-wrap: anywhere; }
.details .advice { padding: 6px 8px; background: #eef4ff; border-left: 3px solid #1d4ed8; }
.details .latent { color: #7a5200; font-weight: 600; }
body.stale .cell, body.stale .top .state { filter: grayscale(1); opacity: .55; }
body.stale .sweep { color: #8a6d00; }
@media (max-width: 900px) { .layout { flex-direction: column; } .details { position: static; flex: none; width: auto; } }
`;
