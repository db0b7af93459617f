// grantflow's library API.
export * from './catalog/index.ts';
export * from './policy/index.ts';
export * from './validate/index.ts';
export { formatJson, formatSarif, formatText, countFindings } from './validate/format/index.ts';
export type { FileReport, SarifOptions, TextOptions } from './validate/format/index.ts';
export * from './notify/index.ts';
