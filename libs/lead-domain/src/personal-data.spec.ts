import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PERSONAL_FIELDS } from './personal-data';

describe('the list of personal fields', () => {
  it("is the one README's Security table shows", () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    const lines = readme.slice(readme.indexOf('| event | personal fields |')).split('\n');
    const rows = lines
      .slice(
        2,
        lines.findIndex((line) => !line.startsWith('|')),
      )
      .map((line) => line.split('|').map((cell) => cell.trim()))
      .map(([, event, fields]) => [event, fields.split(', ')]);
    expect(Object.fromEntries(rows)).toEqual(PERSONAL_FIELDS);
  });
});
