/**
 * The HTML report's entry point, kept for its importers; the report itself lives in ./html/
 * (document shell, graph layout, blast-radius sections).
 */
export { renderBlastHtml } from './html/blast.js';
export { escapeHtml, html, htmlList, htmlReportDocument, htmlSection, SafeHtml, trustedHtml, type HtmlReportDocument } from './html/document.js';
