// The report of a `capstan chaos` run (docs/chaos.md): history.jsonl,
// summary.json and a self-contained report.html in the --out directory.

export { HistoryFileError, readHistory } from './history-file.js';
export { renderHtml } from './html-page.js';
export {
  historyFileName,
  readSummary,
  reportFileName,
  summaryFileName,
  writeReport,
} from './write-report.js';
