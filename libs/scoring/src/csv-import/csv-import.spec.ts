import { ImportMappingError, checkColumns, parseImportMapping } from './import-mapping';
import { RowMapper, readCsvTable, type MappedRow, type RefusedRow } from './csv-import';

const MAPPING = `
name: shop
key: id
missing: ["", "n/a"]
lead:
  kind: B2B
  contact: { name: "{name}", email: { column: email } }
  company: { name: { column: company }, employees: { column: staff, type: number } }
  source: { channel: { column: via, values: { form: web_form, fair: trade_show } }, origin: offline }
attributes:
  size: { column: staff, bins: [10, 100] }
activities:
  - type: page_visit
    repeat: { column: visits, type: number }
times:
  captured: { column: created }
  handed_to_sales: { after_captured: { days: 2 } }
  outcome: { column: closed }
outcome:
  column: result
  won: [won]
  lost: [lost]
  disqualified: { spam: spam }
  reason: { column: note }
  hand_to_sales: { reason: historical import }
`;
const CSV = `id,name,email,company,staff,via,visits,created,closed,result,note
1,Ana,ana@acme.ro,Acme,50,form,2,2026-01-05T10:00:00Z,2026-02-01T00:00:00Z,won,
2,Bo,bo@x.ro,n/a,,fair,0,2026-01-06T10:00:00Z,2026-01-07T00:00:00Z,spam,bot
3,Cy,cy@x.ro,X,12,phone,0,2026-01-06T10:00:00Z,,,
4,Di,di@x.ro,X,many,form,0,2026-01-06T10:00:00Z,,,
1,Ed,ed@x.ro,X,1,form,0,2026-01-06T10:00:00Z,,,
6,Fa,fa@x.ro,X,1,form,0,2026-01-06T10:00:00Z,2026-01-09T00:00:00Z,maybe,
`;
const ids = (name: string) => `id(${name})`;
const now = new Date('2026-03-01T00:00:00Z');

function mapAll(csv = CSV) {
  const mapper = new RowMapper(parseImportMapping(MAPPING), readCsvTable(csv, ','), { idFactory: ids, now });
  return [0, 1, 2, 3, 4, 5].slice(0, readCsvTable(csv, ',').rows.length).map((i) => mapper.map(i));
}

describe('RowMapper', () => {
  const rows = mapAll();
  const ok = (i: number) => rows[i] as MappedRow;

  it('maps contact, company, source, properties, activities, stage times and a won outcome', () => {
    expect(ok(0).leadId).toBe('id(import:shop:lead:1)');
    expect(ok(0).commands.map((c) => [c.type, c.occurredAt.toISOString(), c.commandId])).toEqual([
      ['CaptureLead', '2026-01-05T10:00:00.000Z', 'id(import:shop:1:capture)'],
      ['RecordActivity', '2026-01-05T10:00:00.000Z', 'id(import:shop:1:activity:0:0)'],
      ['RecordActivity', '2026-01-05T10:00:00.000Z', 'id(import:shop:1:activity:0:1)'],
      ['HandToSales', '2026-01-07T10:00:00.000Z', 'id(import:shop:1:hand-off)'],
      ['ReportSaleOutcome', '2026-02-01T00:00:00.000Z', 'id(import:shop:1:outcome)'],
    ]);
    expect(ok(0).commands[0].data).toEqual({
      kind: 'B2B',
      contact: { name: 'Ana', email: 'ana@acme.ro' },
      company: { name: 'Acme', employees: 50 },
      source: { channel: 'web_form', origin: 'offline' },
      attributes: { size: '>10-100' },
    });
  });

  it('a disqualified outcome carries its reason and note; a missing company is left out', () => {
    expect(ok(1).commands.map((c) => c.type)).toEqual(['CaptureLead', 'DisqualifyLead']);
    expect(ok(1).commands[1].data).toEqual({ reason: 'spam', note: 'bot' });
    expect(ok(1).commands[0].data).not.toHaveProperty('company');
  });

  it('refuses rows naming line, column and reason', () => {
    expect(rows.slice(2) as RefusedRow[]).toEqual([
      { row: 4, column: 'via', message: 'value "phone" is not listed in the mapping\'s values' },
      { row: 5, column: 'staff', message: '"many" is not a number' },
      { row: 6, column: 'id', message: 'key "1" was already used on line 2' },
      { row: 7, column: 'result', message: 'outcome: "maybe" is listed under none of won, lost or disqualified' },
    ]);
  });

  it('spreads rows over their month, the year advancing when the month goes back', () => {
    const mapping = parseImportMapping(`
name: m
key: "#line"
lead: { kind: B2C, contact: { name: "n{#line}" }, source: { channel: other } }
times: { captured: { month: { column: month, first_year: 2008 } } }
`);
    const table = readCsvTable('month\nmay\nmay\ndec\nmar\n', ',');
    const mapper = new RowMapper(mapping, table, { idFactory: ids, now });
    const times = [0, 1, 2, 3].map((i) => (mapper.map(i) as MappedRow).commands[0].occurredAt.toISOString());
    // May has 31 days: the two rows sit at 1/4 and 3/4 of it; December and March hold one row each, mid-month.
    expect(times).toEqual(['2008-05-08T18:00:00.000Z', '2008-05-24T06:00:00.000Z', '2008-12-16T12:00:00.000Z', '2009-03-16T12:00:00.000Z']);
  });
});

describe('import mapping validation', () => {
  it('names line, column and field of each problem', () => {
    expect(() =>
      parseImportMapping(
        'name: Shop\nlead:\n  kind: B3B\n  contact: {}\n  source: { channel: other }\ntimes: { captured: { value: soon } }\n',
      ),
    ).toThrow(ImportMappingError);
    try {
      parseImportMapping(
        'name: Shop\nlead:\n  kind: B3B\n  contact: {}\n  source: { channel: other }\ntimes: { captured: { value: soon } }\n',
      );
    } catch (error) {
      expect((error as ImportMappingError).problems.map((p) => [p.line, p.column, p.path, p.message])).toEqual([
        [1, 7, 'name', 'must be lower case letters, digits, "-", "_" or "." (it is part of every id)'],
        [1, 1, 'key', 'is required (a string)'],
        [3, 9, 'lead.kind', 'must be one of B2B, B2C'],
        [4, 12, 'lead.contact.name', 'is required (a column, a template or a value)'],
        [6, 29, 'times.captured.value', '"soon" is not a date (ISO 8601)'],
      ]);
    }
  });

  it('reports each column the file lacks, located in the mapping', () =>
    expect(
      checkColumns(parseImportMapping(MAPPING), MAPPING, 'shop.yaml', ['id', 'name', 'email']).map(
        (p) => `${p.line}:${p.path}: ${p.message}`,
      ),
    ).toEqual([
      '8:lead.company.name.column: the file has no column "company"',
      '8:lead.company.employees.column: the file has no column "staff"',
      '9:lead.source.channel.column: the file has no column "via"',
      '11:attributes.size.column: the file has no column "staff"',
      '14:activities.0.repeat.column: the file has no column "visits"',
      '16:times.captured.column: the file has no column "created"',
      '18:times.outcome.column: the file has no column "closed"',
      '20:outcome.column: the file has no column "result"',
      '24:outcome.reason.column: the file has no column "note"',
    ]));
});
