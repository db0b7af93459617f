export { formatJson } from './json.ts';
export { formatText } from './text.ts';
export type { TextOptions } from './text.ts';
export { formatSarif } from './sarif.ts';
export type { SarifOptions } from './sarif.ts';
export { countFindings } from './report.ts';
export type { FileReport } from './report.ts';
