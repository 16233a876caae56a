/**
 * The HTML report: chart data from the plan and the model (`series.ts`), Vega-Lite
 * charts rendered to SVG (`charts.ts`), and the self-contained page (`page.ts`).
 */
export * from './series.js'
export * from './charts.js'
export * from './page.js'
