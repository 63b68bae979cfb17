import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RowMapper, readCsvTable, type MappedRow } from './csv-import';
import { SHIPPED_MAPPINGS_DIR, checkColumns, loadImportMappingFile } from './import-mapping';

const DATASETS = resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'datasets');
const sets = [
  { mapping: 'x-education.yaml', file: join(DATASETS, 'x_education_leads', 'Leads.csv'), rows: 9240, won: 3561 },
  { mapping: 'uci-bank-marketing.yaml', file: join(DATASETS, 'uci_bank_marketing', 'bank-additional-full.csv'), rows: 41188, won: 4640 },
];

describe.each(sets)('shipped mapping $mapping', ({ mapping: name, file, rows, won }) => {
  const present = existsSync(file);
  if (!present) console.warn(`skipped: ${file} is absent (the data sets live in ../shared/datasets)`);
  (present ? it : it.skip)('fits the data set: every row maps, outcomes as published', () => {
    const path = join(SHIPPED_MAPPINGS_DIR, name);
    const mapping = loadImportMappingFile(path);
    const table = readCsvTable(readFileSync(file, 'utf8'), mapping.csv.delimiter);
    expect(checkColumns(mapping, readFileSync(path, 'utf8'), name, table.header)).toEqual([]);
    const mapper = new RowMapper(mapping, table, { idFactory: (n) => n, now: new Date('2026-12-01T00:00:00Z') });
    const mapped = table.rows.map((_, i) => mapper.map(i));
    expect(mapped.filter((r) => !('commands' in r))).toEqual([]);
    expect(mapped).toHaveLength(rows);
    const wins = (mapped as MappedRow[]).filter((r) => r.commands.some((c) => c.type === 'ReportSaleOutcome' && c.data.outcome === 'won'));
    expect(wins).toHaveLength(won);
  });
});

it('the UCI mapping reads no duration (known only after the call)', () =>
  expect(readFileSync(join(SHIPPED_MAPPINGS_DIR, 'uci-bank-marketing.yaml'), 'utf8')).not.toMatch(/column: duration/));
