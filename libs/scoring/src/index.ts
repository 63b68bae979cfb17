export * from './scoring-model';
export * from './lead-scorer';
export * from './predictive';
export * from './evaluation';
export * from './datasets/x-education';
export * from './located-yaml';
export * from './csv-import/import-mapping';
export * from './csv-import/csv-import';
