import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type {
  CaptureLead,
  Channel,
  CommandContext,
  Company,
  HandToSales,
  LeadCommand,
  Origin,
  RecordActivity,
  ReportSaleOutcome,
} from '@lead/domain';
import { binLabel } from '../predictive/lead-features';
import { UNKNOWN_VALUE, type FeatureVector } from '../predictive/predictive-model';
import type { ScoringProfile } from '../lead-scorer';

/**
 * The X Education lead data set (an online-education company; 9,240 leads, target "Converted").
 *
 * Columns used: only what is known when the lead is captured or while marketing still owns it
 * (the lead's own form answers, its traffic source, its behaviour on the website and the last
 * marketing touch).
 *
 * Columns EXCLUDED, and why:
 * - `Tags` — the sales rep's status note after contacting the lead ("Will revert after reading the
 *   email", "Closed by Horizzon", "Lost to EINS", "Ringing"): it records the outcome of the sales
 *   conversation, so it leaks the target (some values convert 97-99 %, others 0-3 %).
 * - `Lead Quality` — "based on the data and intuition of the employee who has been assigned to the
 *   lead": a judgement made after the sales team worked the lead (High in Relevance → 95 %, Worst → 2 %).
 * - `Lead Profile` — "a lead level assigned to each customer", e.g. "Potential Lead", "Lateral
 *   Student", "Dual Specialization Student": assigned by staff once they know the person.
 * - `Asymmetrique Activity Index`, `Asymmetrique Profile Index`, `Asymmetrique Activity Score`,
 *   `Asymmetrique Profile Score` — scores "assigned to each customer based on their activity and
 *   their profile" by an unknown process at an unknown time; an opaque score of the lead is not an
 *   input a transparent score may rest on, and it may well have been computed with the outcome known.
 * - `Last Notable Activity` — the same snapshot as `Last Activity`, filtered, plus the value
 *   "Modified" (37 % of rows) which means the CRM record was edited — typically by the sales rep
 *   updating the lead after a call. It adds no customer behaviour that `Last Activity` lacks, only
 *   a trace of sales-side work, so it is dropped.
 * - `I agree to pay the amount through cheque` — a payment arrangement, only meaningful once the
 *   lead has decided to buy (and constant "No" in this file).
 * - `Converted` — the target itself. `Prospect ID`, `Lead Number` — identifiers, not facts about
 *   the lead (a sequence number would teach the model when a lead arrived, not who it is).
 *
 * Kept although borderline: `Last Activity` (the last recorded touch). Most values are the lead's own
 * behaviour (email opened, link clicked, chat, page visit, form, unsubscribe) and a legitimate
 * engagement signal, but a few are sales actions ("SMS Sent", "Had a Phone Conversation",
 * "Unreachable", "Approached upfront"). Those are known only once sales is talking to the lead;
 * `SALES_SIDE_LAST_ACTIVITIES` lists them so that an evaluation can drop them as well and show how
 * much of the accuracy they carry.
 *
 * Blank cells and the placeholder "Select" (the form's default, left unchanged) both mean unknown.
 */

export interface XEducationLead {
  prospectId: string;
  leadNumber: string;
  leadOrigin?: string;
  leadSource?: string;
  doNotEmail?: boolean;
  doNotCall?: boolean;
  totalVisits?: number;
  /** "Total Time Spent on Website"; the dictionary names no unit, values up to ~2,300 read as seconds. */
  secondsOnSite?: number;
  pageViewsPerVisit?: number;
  lastActivity?: string;
  country?: string;
  /** "The industry domain in which the customer worked before": the industry-like feature. */
  specialization?: string;
  howHeard?: string;
  occupation?: string;
  /** "What matters most to you in choosing a course": the stated need. */
  whatMatters?: string;
  city?: string;
  /** Where the lead says it saw an ad, or that it came through a recommendation (columns Search … Through Recommendations). */
  sawAdIn: string[];
  throughRecommendations?: boolean;
  /** Opt-ins: "Receive More Updates About Our Courses", "Update me on Supply Chain Content", "Get updates on DM Content". */
  optIns: string[];
  /** "A free copy of Mastering The Interview": the lead asked for the ebook. */
  wantsFreeEbook?: boolean;
  converted: boolean;
}

/** Last Activity values that are actions of the sales team rather than of the lead. */
export const SALES_SIDE_LAST_ACTIVITIES: readonly string[] = ['SMS Sent', 'Had a Phone Conversation', 'Unreachable', 'Approached upfront'];

const AD_COLUMNS = ['Search', 'Magazine', 'Newspaper Article', 'X Education Forums', 'Newspaper', 'Digital Advertisement'] as const;
const OPT_IN_COLUMNS = [
  'Receive More Updates About Our Courses',
  'Update me on Supply Chain Content',
  'Get updates on DM Content',
] as const;

const known = (value: string | undefined): string | undefined => {
  const v = value?.trim();
  return !v || v === 'Select' || /^select /i.test(v) ? undefined : v;
};
const yesNo = (value: string | undefined): boolean | undefined => (known(value) === undefined ? undefined : known(value) === 'Yes');
const numberOrUndefined = (value: string | undefined): number | undefined => {
  const v = known(value);
  const n = v === undefined ? NaN : Number(v);
  return Number.isFinite(n) ? n : undefined;
};

/** Parses the CSV text of Leads.csv. */
export function parseXEducationCsv(text: string): XEducationLead[] {
  const records = parse(text, { columns: true, skip_empty_lines: true, bom: true }) as Record<string, string>[];
  return records.map((r) => {
    const lead: XEducationLead = {
      prospectId: r['Prospect ID'],
      leadNumber: r['Lead Number'],
      leadOrigin: known(r['Lead Origin']),
      leadSource: known(r['Lead Source']),
      doNotEmail: yesNo(r['Do Not Email']),
      doNotCall: yesNo(r['Do Not Call']),
      totalVisits: numberOrUndefined(r['TotalVisits']),
      secondsOnSite: numberOrUndefined(r['Total Time Spent on Website']),
      pageViewsPerVisit: numberOrUndefined(r['Page Views Per Visit']),
      lastActivity: known(r['Last Activity']),
      country: known(r['Country']),
      specialization: known(r['Specialization']),
      howHeard: known(r['How did you hear about X Education']),
      occupation: known(r['What is your current occupation']),
      whatMatters: known(r['What matters most to you in choosing a course']),
      city: known(r['City']),
      sawAdIn: AD_COLUMNS.filter((c) => r[c] === 'Yes'),
      throughRecommendations: yesNo(r['Through Recommendations']),
      optIns: OPT_IN_COLUMNS.filter((c) => r[c] === 'Yes'),
      wantsFreeEbook: yesNo(r['A free copy of Mastering The Interview']),
      converted: r['Converted'] === '1',
    };
    if (lead.country?.toLowerCase() === 'unknown') lead.country = undefined;
    return lead;
  });
}

/** Reads Leads.csv from the path the caller gives (the data stays where it is published). */
export function xEducationRows(file: string): XEducationLead[] {
  return parseXEducationCsv(readFileSync(file, 'utf8'));
}

// ------------------------------------------------------------------ features

export interface XEducationFeatureOptions {
  /** Treat Last Activity values that are sales actions as unknown (a stricter, capture-time-only view). */
  withoutSalesSideActivity?: boolean;
}

/** Upper bounds of the bins (inclusive); the last bin is open. Chosen from the distribution, round numbers for readability. */
const VISIT_BINS = [0, 1, 2, 3, 4, 5, 7, 10, 15];
const MINUTE_BINS = [0, 1, 2, 4, 6, 8, 10, 12, 15, 20, 25, 30];
const PAGE_BINS = [0, 1, 1.5, 2, 2.5, 3, 4, 5, 7];

/** Lead Source spelled several ways in the file (Google / google). */
const normaliseSource = (source: string | undefined): string | undefined => source?.toLowerCase().replace(/[\s_]+/g, ' ');

/** The feature vector the predictive model sees for one lead; only columns known before the sales conversation. */
export function xEducationFeatures(lead: XEducationLead, options: XEducationFeatureOptions = {}): FeatureVector {
  const activity =
    options.withoutSalesSideActivity && lead.lastActivity && SALES_SIDE_LAST_ACTIVITIES.includes(lead.lastActivity)
      ? undefined
      : lead.lastActivity;
  const minutes = lead.secondsOnSite === undefined ? undefined : lead.secondsOnSite / 60;
  return {
    origin: lead.leadOrigin,
    source: normaliseSource(lead.leadSource),
    do_not_email: flag(lead.doNotEmail),
    do_not_call: flag(lead.doNotCall),
    visits: binLabel(lead.totalVisits, VISIT_BINS),
    minutes_on_site: binLabel(minutes, MINUTE_BINS),
    pages_per_visit: binLabel(lead.pageViewsPerVisit, PAGE_BINS),
    last_activity: activity,
    country: lead.country === undefined ? undefined : lead.country === 'India' ? 'India' : 'abroad',
    specialization: lead.specialization,
    how_heard: lead.howHeard,
    occupation: lead.occupation,
    what_matters: lead.whatMatters,
    city: lead.city,
    saw_ad: lead.sawAdIn.length ? 'yes' : 'no',
    recommendation: flag(lead.throughRecommendations),
    opt_in: lead.optIns.length ? 'yes' : 'no',
    free_ebook: flag(lead.wantsFreeEbook),
    // How much of the sign-up questionnaire the lead filled in: effort is a signal of intent.
    profile_answers: `${[lead.specialization, lead.howHeard, lead.occupation, lead.whatMatters, lead.city, lead.country].filter(Boolean).length} of 6`,
    // Two crossed features: the same last touch means more from a working professional than from a
    // student, and more after a landing-page form than after a chat started through the API.
    last_activity_x_occupation: `${activity ?? UNKNOWN_VALUE} & ${lead.occupation ?? UNKNOWN_VALUE}`,
    last_activity_x_origin: `${activity ?? UNKNOWN_VALUE} & ${lead.leadOrigin ?? UNKNOWN_VALUE}`,
  };
}

const flag = (b: boolean | undefined): string | undefined => (b === undefined ? undefined : b ? 'yes' : 'no');

// ------------------------------------------------------------------ mapping to the lead vocabulary

/** Activity types an import of this data set records beyond DEFAULT_ACTIVITY_TYPES; add them to the lead policy. */
export const X_EDUCATION_ACTIVITY_TYPES: readonly string[] = [
  'chat_conversation',
  'email_opened',
  'email_link_clicked',
  'email_bounced',
  'email_marked_spam',
  'resubscribed',
  'sms_received',
  'phone_conversation',
  'unreachable',
  'approached_upfront',
  'event_visit',
];

/** Last Activity → activity type. "Converted to Lead" is the capture itself, not a further activity. */
export const X_EDUCATION_ACTIVITY_MAP: Readonly<Record<string, string | null>> = {
  'Page Visited on Website': 'page_visit',
  'Form Submitted on Website': 'contact_form',
  'Olark Chat Conversation': 'chat_conversation',
  'Email Opened': 'email_opened',
  'Email Link Clicked': 'email_link_clicked',
  'View in browser link Clicked': 'email_link_clicked',
  'Email Received': 'email_reply',
  'Email Bounced': 'email_bounced',
  'Email Marked Spam': 'email_marked_spam',
  Unsubscribed: 'unsubscribed',
  'Resubscribed to emails': 'resubscribed',
  'SMS Sent': 'sms_received',
  'Had a Phone Conversation': 'phone_conversation',
  Unreachable: 'unreachable',
  'Approached upfront': 'approached_upfront',
  'Visited Booth in Tradeshow': 'event_visit',
  'Converted to Lead': null,
};

/** Lead Source → where the traffic came from. "Google" is listed apart from "Organic Search", so it is read as paid search. */
const ORIGIN_BY_SOURCE: Record<string, Origin> = {
  google: 'paid_search',
  bing: 'paid_search',
  'pay per click ads': 'paid_search',
  'organic search': 'organic_search',
  'direct traffic': 'direct_traffic',
  reference: 'referral',
  'referral sites': 'referral',
  'welingak website': 'referral',
  welearn: 'referral',
  'welearnblog home': 'referral',
  facebook: 'social',
  'social media': 'social',
  youtubechannel: 'social',
  'nc edm': 'email',
  'olark chat': 'direct_traffic',
  'live chat': 'direct_traffic',
  click2call: 'direct_traffic',
};

/** Lead Origin / Lead Source → what the lead did to reach us. */
export function xEducationChannel(lead: Pick<XEducationLead, 'leadOrigin' | 'leadSource'>): Channel {
  const source = normaliseSource(lead.leadSource);
  if (source === 'reference') return 'referral';
  if (source === 'click2call') return 'phone_call';
  switch (lead.leadOrigin) {
    case 'Landing Page Submission':
    case 'Lead Add Form':
    case 'Quick Add Form':
      return 'web_form';
    default:
      return 'other'; // API (chat widget, site integrations) and Lead Import
  }
}

export function xEducationOrigin(lead: Pick<XEducationLead, 'leadSource'>): Origin {
  const source = normaliseSource(lead.leadSource);
  return source === undefined ? 'unknown' : (ORIGIN_BY_SOURCE[source] ?? 'other');
}

const COUNTRY_CODES: Record<string, string> = {
  India: 'IN',
  Russia: 'RU',
  Kuwait: 'KW',
  Oman: 'OM',
  'United Arab Emirates': 'AE',
  'United States': 'US',
  Australia: 'AU',
  'United Kingdom': 'GB',
  Bahrain: 'BH',
  Ghana: 'GH',
  Singapore: 'SG',
  Qatar: 'QA',
  'Saudi Arabia': 'SA',
  Belgium: 'BE',
  France: 'FR',
  'Sri Lanka': 'LK',
  China: 'CN',
  Canada: 'CA',
  Netherlands: 'NL',
  Sweden: 'SE',
  Nigeria: 'NG',
  'Hong Kong': 'HK',
  Germany: 'DE',
  Uganda: 'UG',
  Kenya: 'KE',
  Italy: 'IT',
  'South Africa': 'ZA',
  Tanzania: 'TZ',
  Malaysia: 'MY',
  Liberia: 'LR',
  Switzerland: 'CH',
  Denmark: 'DK',
  Philippines: 'PH',
  Bangladesh: 'BD',
  Vietnam: 'VN',
  Indonesia: 'ID',
};

/** ISO 3166-1 alpha-2 code of the lead's country; regions such as "Asia/Pacific Region" have none. */
export const xEducationCountryCode = (country: string | undefined): string | undefined => (country ? COUNTRY_CODES[country] : undefined);

/** The activities a row stands for. The file has no timestamps, so they all happen at `at`. */
export function xEducationActivities(
  lead: XEducationLead,
  at: string,
): { type: string; at: string; details?: Record<string, string | number> }[] {
  const activities: { type: string; at: string; details?: Record<string, string | number> }[] = [];
  const visits = Math.round(lead.totalVisits ?? 0);
  // The totals are split evenly over the visits: the file has only totals, and their sum is what scoring reads.
  for (let i = 0; i < visits; i++) {
    activities.push({
      type: 'page_visit',
      at,
      details: {
        ...(lead.secondsOnSite !== undefined ? { secondsOnSite: Math.round(lead.secondsOnSite / visits) } : {}),
        ...(lead.pageViewsPerVisit !== undefined ? { pagesViewed: lead.pageViewsPerVisit } : {}),
      },
    });
  }
  const last = lead.lastActivity ? X_EDUCATION_ACTIVITY_MAP[lead.lastActivity] : null;
  if (last) activities.push({ type: last, at, details: { lastActivity: lead.lastActivity! } });
  return activities;
}

/** The profile scoring reads: a private person (B2C); specialization and country ride on `company` as industry-like facts. */
export function xEducationProfile(lead: XEducationLead): ScoringProfile {
  const company = xEducationCompany(lead);
  return {
    kind: 'B2C',
    email: syntheticEmail(lead),
    ...(company ? { company } : {}),
    source: { channel: xEducationChannel(lead), origin: xEducationOrigin(lead) },
  };
}

function xEducationCompany(lead: XEducationLead): Company | undefined {
  const country = xEducationCountryCode(lead.country);
  if (!lead.specialization && !country) return undefined;
  // A B2C lead has no company of its own; this is the field of the employer the person worked for.
  return { name: 'Employer not given', ...(lead.specialization ? { industry: lead.specialization } : {}), ...(country ? { country } : {}) };
}

/** The file holds no contact data; a lead needs an email, so the importer gives it one that cannot be delivered to (.invalid, RFC 2606). */
const syntheticEmail = (lead: XEducationLead): string => `lead-${lead.leadNumber}@x-education.invalid`;

export interface ImportContext {
  /** Returns the id for a name; pass a name-based UUID (v5) to make re-imports idempotent. */
  idFactory: (name: string) => string;
  /** The clock of the import: business time of every fact in the row (the file has no timestamps). */
  clock: () => Date;
  actor?: string;
}

/**
 * The commands one row becomes, in order: capture, one activity per visit and the last activity,
 * then the outcome. X Education's sales team called every lead, so each lead is handed to sales
 * (an override: the file has no qualification facts) and the outcome is reported as won or lost.
 * Not carried over, because the event vocabulary has no place for them: occupation, city,
 * "how did you hear", do-not-email/call, ad and opt-in flags, the ebook request (see xEducationFeatures).
 */
export function toLeadCommands(lead: XEducationLead, ids: ImportContext): LeadCommand[] {
  const now = ids.clock();
  const leadId = ids.idFactory(`x-education:lead:${lead.leadNumber}`);
  const context = (step: string): CommandContext => ({
    commandId: ids.idFactory(`x-education:${lead.leadNumber}:${step}`),
    leadId,
    occurredAt: now,
    now,
    actor: ids.actor ?? 'service:x-education-import',
  });
  const profile = xEducationProfile(lead);
  const capture: CaptureLead = {
    type: 'CaptureLead',
    ...context('capture'),
    data: {
      kind: 'B2C',
      contact: { name: `X Education lead ${lead.leadNumber}`, email: profile.email },
      ...(profile.company ? { company: profile.company as Company } : {}),
      source: { ...profile.source, ...(profile.source.origin === 'referral' && lead.leadSource ? { referrer: lead.leadSource } : {}) },
      ...(lead.whatMatters ? { need: lead.whatMatters } : {}),
    },
  };
  const activities: RecordActivity[] = xEducationActivities(lead, now.toISOString()).map((a, i) => ({
    type: 'RecordActivity',
    ...context(`activity:${i}`),
    data: { activityType: a.type, ...(a.details && Object.keys(a.details).length ? { details: a.details } : {}) },
  }));
  const handOff: HandToSales = {
    type: 'HandToSales',
    ...context('hand-off'),
    data: { override: { reason: 'historical import: X Education sales called every lead' } },
  };
  const outcome: ReportSaleOutcome = {
    type: 'ReportSaleOutcome',
    ...context('outcome'),
    data: lead.converted ? { outcome: 'won' } : { outcome: 'lost', reason: 'not converted (X Education import)', needRemains: false },
  };
  return [capture, ...activities, handOff, outcome];
}
