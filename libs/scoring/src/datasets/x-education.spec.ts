import { DEFAULT_ACTIVITY_TYPES, decide, foldLead, type LeadEvent } from '@lead/domain';
import {
  parseXEducationCsv,
  toLeadCommands,
  X_EDUCATION_ACTIVITY_MAP,
  X_EDUCATION_ACTIVITY_TYPES,
  xEducationFeatures,
  xEducationProfile,
  type XEducationLead,
} from './x-education';

const HEADER = [
  'Prospect ID',
  'Lead Number',
  'Lead Origin',
  'Lead Source',
  'Do Not Email',
  'Do Not Call',
  'Converted',
  'TotalVisits',
  'Total Time Spent on Website',
  'Page Views Per Visit',
  'Last Activity',
  'Country',
  'Specialization',
  'How did you hear about X Education',
  'What is your current occupation',
  'What matters most to you in choosing a course',
  'Search',
  'Magazine',
  'Newspaper Article',
  'X Education Forums',
  'Newspaper',
  'Digital Advertisement',
  'Through Recommendations',
  'Receive More Updates About Our Courses',
  'Tags',
  'Lead Quality',
  'Update me on Supply Chain Content',
  'Get updates on DM Content',
  'Lead Profile',
  'City',
  'Asymmetrique Activity Index',
  'Asymmetrique Profile Index',
  'Asymmetrique Activity Score',
  'Asymmetrique Profile Score',
  'I agree to pay the amount through cheque',
  'A free copy of Mastering The Interview',
  'Last Notable Activity',
];

/** A made-up row in the file's layout: every Yes/No column "No" unless given. */
function row(values: Record<string, string>): string {
  return HEADER.map((h) => {
    const v =
      values[h] ??
      (/^(Do Not|Search|Magazine|Newspaper|X Education|Digital|Through|Receive|Update me|Get updates|I agree|A free copy)/.test(h)
        ? 'No'
        : '');
    return /[",]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
  }).join(',');
}

const csv = [
  HEADER.join(','),
  row({
    'Prospect ID': 'p-1',
    'Lead Number': '100001',
    'Lead Origin': 'Landing Page Submission',
    'Lead Source': 'Google',
    Converted: '1',
    TotalVisits: '3',
    'Total Time Spent on Website': '900',
    'Page Views Per Visit': '2.5',
    'Last Activity': 'Email Opened',
    Country: 'India',
    Specialization: 'Finance Management',
    'How did you hear about X Education': 'Select',
    'What is your current occupation': 'Working Professional',
    'What matters most to you in choosing a course': 'Better Career Prospects',
    Tags: 'Will revert after reading the email',
    'Lead Quality': 'High in Relevance',
    'Lead Profile': 'Potential Lead',
    City: 'Mumbai',
    'Asymmetrique Activity Index': '01.High',
    'Asymmetrique Activity Score': '17',
    'A free copy of Mastering The Interview': 'Yes',
    'Last Notable Activity': 'Modified',
  }),
  row({
    'Prospect ID': 'p-2',
    'Lead Number': '100002',
    'Lead Origin': 'Lead Add Form',
    'Lead Source': 'Reference',
    Converted: '0',
    TotalVisits: '0',
    'Total Time Spent on Website': '0',
    'Page Views Per Visit': '0',
    Specialization: 'Select',
    City: 'Select',
    'Do Not Email': 'Yes',
  }),
  row({
    'Prospect ID': 'p-3',
    'Lead Number': '100003',
    'Lead Origin': 'API',
    'Lead Source': 'Olark Chat',
    Converted: '0',
    'Total Time Spent on Website': '45',
    'Last Activity': 'Converted to Lead',
    Country: 'unknown',
  }),
].join('\n');

describe('parseXEducationCsv', () => {
  const [first, second, third] = parseXEducationCsv(csv);

  it('reads the columns known before the sales conversation', () => {
    expect(first).toEqual<XEducationLead>({
      prospectId: 'p-1',
      leadNumber: '100001',
      leadOrigin: 'Landing Page Submission',
      leadSource: 'Google',
      doNotEmail: false,
      doNotCall: false,
      totalVisits: 3,
      secondsOnSite: 900,
      pageViewsPerVisit: 2.5,
      lastActivity: 'Email Opened',
      country: 'India',
      specialization: 'Finance Management',
      howHeard: undefined,
      occupation: 'Working Professional',
      whatMatters: 'Better Career Prospects',
      city: 'Mumbai',
      sawAdIn: [],
      throughRecommendations: false,
      optIns: [],
      wantsFreeEbook: true,
      converted: true,
    });
  });

  it('keeps none of the leaking columns (Tags, Lead Quality, Lead Profile, Asymmetrique *, Last Notable Activity)', () => {
    const text = JSON.stringify(first);
    for (const leak of ['Will revert', 'High in Relevance', 'Potential Lead', '01.High', 'Modified']) expect(text).not.toContain(leak);
  });

  it('treats blanks, "Select" and the country "unknown" as unknown', () => {
    expect([second.specialization, second.city, second.lastActivity, third.country, third.totalVisits]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(second.doNotEmail).toBe(true);
  });
});

describe('xEducationFeatures', () => {
  it('bins the numbers and marks unknowns as missing', () => {
    const [first, , third] = parseXEducationCsv(csv);
    expect(xEducationFeatures(first)).toMatchObject({
      origin: 'Landing Page Submission',
      source: 'google',
      visits: '>2-3',
      minutes_on_site: '>12-15',
      pages_per_visit: '>2-2.5',
      last_activity: 'Email Opened',
      country: 'India',
      profile_answers: '5 of 6',
    });
    expect(xEducationFeatures(third)).toMatchObject({
      visits: undefined,
      minutes_on_site: '>0-1',
      country: undefined,
      occupation: undefined,
    });
  });

  it('can leave out the Last Activity values that are sales actions', () => {
    const [first] = parseXEducationCsv(csv);
    const sms = { ...first, lastActivity: 'SMS Sent' };
    expect(xEducationFeatures(sms).last_activity).toBe('SMS Sent');
    expect(xEducationFeatures(sms, { withoutSalesSideActivity: true }).last_activity).toBeUndefined();
  });
});

describe('mapping a row to the lead vocabulary', () => {
  const leads = parseXEducationCsv(csv);
  const clock = () => new Date('2026-02-01T09:00:00.000Z');
  const ids = { idFactory: (name: string) => `id:${name}`, clock };

  it('maps source, origin, country and specialization onto the profile', () => {
    expect(xEducationProfile(leads[0])).toEqual({
      kind: 'B2C',
      email: 'lead-100001@x-education.invalid',
      company: { name: 'Employer not given', industry: 'Finance Management', country: 'IN' },
      source: { channel: 'web_form', origin: 'paid_search' },
    });
    expect(xEducationProfile(leads[1]).source).toEqual({ channel: 'referral', origin: 'referral' });
    expect(xEducationProfile(leads[2])).toMatchObject({ source: { channel: 'other', origin: 'direct_traffic' } });
    expect(xEducationProfile(leads[2]).company).toBeUndefined();
  });

  it('becomes capture, one activity per visit, the last activity, hand-off and outcome', () => {
    const commands = toLeadCommands(leads[0], ids);
    expect(commands.map((c) => (c.type === 'RecordActivity' ? `${c.type}:${c.data.activityType}` : c.type))).toEqual([
      'CaptureLead',
      'RecordActivity:page_visit',
      'RecordActivity:page_visit',
      'RecordActivity:page_visit',
      'RecordActivity:email_opened',
      'HandToSales',
      'ReportSaleOutcome',
    ]);
    expect(commands[1]).toMatchObject({ data: { details: { secondsOnSite: 300, pagesViewed: 2.5 } } });
    expect(new Set(commands.map((c) => c.commandId)).size).toBe(commands.length);
    expect(new Set(commands.map((c) => c.leadId))).toEqual(new Set(['id:x-education:lead:100001']));
  });

  it('is accepted by the lead decider, ending won or lost', () => {
    const policy = { activityTypes: [...DEFAULT_ACTIVITY_TYPES, ...X_EDUCATION_ACTIVITY_TYPES] };
    for (const lead of leads) {
      let history: LeadEvent[] = [];
      for (const command of toLeadCommands(lead, ids)) history = [...history, ...decide(command, foldLead(history), policy)];
      expect(history[0]).toMatchObject({
        type: 'LeadCaptured',
        data: { kind: 'B2C', contact: { name: `X Education lead ${lead.leadNumber}` } },
      });
      expect(history.some((e) => e.type === (lead.converted ? 'SaleWon' : 'SaleLost'))).toBe(true);
    }
  });

  it('maps every Last Activity value of the file to a known activity type or to nothing', () => {
    const types = new Set<string>([...DEFAULT_ACTIVITY_TYPES, ...X_EDUCATION_ACTIVITY_TYPES]);
    for (const type of Object.values(X_EDUCATION_ACTIVITY_MAP)) if (type !== null) expect(types.has(type)).toBe(true);
  });
});
