/**
 * A deterministic generator of plausible lead histories, for tests and benchmarks: captures from
 * every channel, engagement, scores, qualification, assignment, hand-offs and sale outcomes, nurture
 * and reactivation, disqualifications by people and policies, merges and erasures — each command's
 * events with the metadata the engine writes. Same seed, same history, byte for byte.
 *
 * The log holds lead lives interleaved in business-time order, as live work appends them; a share of
 * the leads can be "imported" (old business times, appended after everything else, lead by lead) to
 * exercise business-time attribution.
 */
import {
  CHANNELS,
  DISQUALIFICATION_REASONS,
  ORIGINS,
  type Channel,
  type DisqualificationReason,
  type LeadEvent,
  type LeadFactsSnapshot,
  type LeadStatus,
  type Temperature,
} from '@lead/domain';
import type { EventStore, EventToAppend } from '@lead/event-store';
import { seededRandom } from '@lead/scoring';

export interface GeneratedCommand {
  readonly commandId: string;
  readonly actor: string;
  /** Business time of the command's events (ISO, UTC). */
  readonly at: string;
  readonly events: readonly LeadEvent[];
  /** Event ids, one per event. */
  readonly eventIds: readonly string[];
}

export interface GeneratedLead {
  readonly leadId: string;
  readonly streamId: string;
  readonly imported: boolean;
  readonly commands: readonly GeneratedCommand[];
}

export interface LeadHistoryOptions {
  readonly leads: number;
  readonly seed?: number;
  /** First capture day (UTC). Default 2024-01-01. */
  readonly start?: string;
  /** Captures are spread over this many days. Default 365. */
  readonly days?: number;
  /** Share of leads imported with business times in the year before `start`. Default 0.1. */
  readonly importedShare?: number;
}

export const OWNERS = ['ana', 'bogdan', 'carmen', 'dan', 'elena', 'florin'] as const;
export const SEGMENTS = ['A', 'B'] as const;
export const CAMPAIGNS = ['spring-webinar', 'crm-ebook', 'trade-fair-2024', 'retargeting', 'partner-referral'] as const;
const INDUSTRIES = ['software', 'manufacturing', 'retail', 'finance', 'logistics', 'healthcare'];
const ACTIVITIES = [
  'page_visit',
  'whitepaper_download',
  'ebook_download',
  'webinar_registration',
  'contact_form',
  'call_booked',
  'email_reply',
];
const USERS = OWNERS.map((o) => `user:${o}`);
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function uuidFrom(random: () => number): string {
  const b: number[] = [];
  for (let i = 0; i < 4; i++) {
    const n = Math.floor(random() * 0x100000000);
    b.push(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
  }
  b[6] = (b[6] & 0x0f) | 0x40; // version 4
  b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
  const h = (from: number, to: number) => {
    let out = '';
    for (let i = from; i < to; i++) out += HEX[b[i]];
    return out;
  };
  return `${h(0, 4)}-${h(4, 6)}-${h(6, 8)}-${h(8, 10)}-${h(10, 16)}`;
}

/** One lead's life; `index` and `seed` decide everything about it. */
export function generateLead(index: number, options: LeadHistoryOptions): GeneratedLead {
  const random = seededRandom(((options.seed ?? 1) * 1_000_003 + index * 7919) >>> 0);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const chance = (p: number) => random() < p;
  const id = () => uuidFrom(random);

  const leadId = id();
  const startMs = Date.parse(`${options.start ?? '2024-01-01'}T00:00:00.000Z`);
  const days = options.days ?? 365;
  const imported = chance(options.importedShare ?? 0.1);
  // Live leads are captured in index order (lead i within the i-th slot of the period), so that the
  // log can be produced in business-time order with bounded memory; imported ones anywhere in the year before.
  const slot = (days * DAY_MS) / options.leads;
  let t = imported ? startMs - 365 * DAY_MS + Math.floor(random() * 365 * DAY_MS) : startMs + Math.floor((index + random()) * slot);
  const commands: GeneratedCommand[] = [];
  const later = (minHours: number, maxHours: number) => (t += Math.floor((minHours + random() * (maxHours - minHours)) * HOUR_MS));
  const command = (actor: string, ...events: LeadEvent[]) =>
    commands.push({ commandId: id(), actor, at: new Date(t).toISOString(), events, eventIds: events.map(() => id()) });

  // Lead state, as far as the generator needs it to stay within the rules.
  let status: LeadStatus = 'open';
  // Read through a function: the helpers below change the status, which flow analysis cannot see.
  const current = (): LeadStatus => status;
  const facts: LeadFactsSnapshot = {};
  let owner: string | undefined;
  const qualifiedFacts = () => facts.need !== undefined && facts.budget !== undefined && facts.decisionMaker !== undefined;

  const kind = chance(0.7) ? 'B2B' : 'B2C';
  const channel: Channel = pick(CHANNELS);
  const origin = chance(0.9) ? pick(ORIGINS) : undefined;
  const campaign = chance(0.6) ? pick(CAMPAIGNS) : undefined;
  const name = `Lead ${index}`;
  command(chance(0.5) ? 'service:web-forms' : pick(USERS), {
    type: 'LeadCaptured',
    data: {
      leadId,
      kind,
      contact: { name, email: `lead${index}@example.com`, ...(chance(0.5) ? { phone: `+40 7${String(index).padStart(8, '0')}` } : {}) },
      ...(kind === 'B2B'
        ? {
            company: {
              name: `Company ${index % 5000}`,
              industry: pick(INDUSTRIES),
              employees: 5 + Math.floor(random() * 2000),
              country: 'RO',
            },
          }
        : {}),
      source: { channel, ...(origin ? { origin } : {}), ...(campaign ? { campaign } : {}) },
      need: chance(0.5) ? 'A CRM for the sales team' : undefined,
      normalizedEmail: `lead${index}@example.com`,
    },
  });

  if (chance(0.05)) {
    later(1, 48);
    command(pick(USERS), {
      type: 'ContactDetailsCorrected',
      data: {
        leadId,
        contact: { name: `${name} Jr`, email: `lead${index}@example.org` },
        normalizedEmail: `lead${index}@example.org`,
        changedFields: ['contact.name', 'contact.email'],
      },
    });
  }
  for (let n = Math.floor(random() * 4); n > 0; n--) {
    later(1, 72);
    command('service:tracking', {
      type: 'ActivityRecorded',
      data: { leadId, activityType: pick(ACTIVITIES), activityAt: new Date(t - HOUR_MS).toISOString() },
    });
  }
  const score = () => {
    const total = Math.floor(random() * 101);
    const temperature: Temperature = total >= 70 ? 'hot' : total >= 40 ? 'warm' : 'cold';
    const modelVersion = chance(0.5) ? 'v1' : 'v2';
    const previous = facts.temperature;
    Object.assign(facts, { score: total, temperature, scoringModelVersion: modelVersion });
    command('service:scoring', {
      type: 'LeadScored',
      data: {
        leadId,
        total,
        temperature,
        ...(previous ? { previousTemperature: previous } : {}),
        modelVersion,
        breakdown: [
          { rule: 'fit.industry', points: Math.floor(total / 2) },
          { rule: 'engagement.activity', points: total - Math.floor(total / 2) },
        ],
        scoredAt: new Date(t).toISOString(),
      },
    });
  };
  if (chance(0.7)) {
    later(0, 24);
    score();
  }
  const assign = () => {
    owner = pick(OWNERS);
    const seg = chance(0.8) ? pick(SEGMENTS) : undefined;
    command('policy:routing', {
      type: 'LeadAssigned',
      data: { leadId, owner, rule: 'routing.product-line', ...(seg ? { segment: seg } : {}) },
    });
  };
  if (chance(0.3)) {
    later(1, 24);
    assign();
  }

  const disqualify = () => {
    const reason: DisqualificationReason = pick(DISQUALIFICATION_REASONS);
    const byPolicy = chance(0.4);
    command(byPolicy ? 'policy:auto-disqualify' : pick(USERS), {
      type: 'Disqualified',
      data: {
        leadId,
        reason,
        note: `Disqualified: ${reason.replace(/_/g, ' ')}`,
        ...(byPolicy ? { rule: `disqualify.${reason}` } : {}),
        facts: { ...facts },
      },
    });
    status = 'disqualified';
  };
  const nurture = () => {
    const revisit = chance(0.8) ? new Date(t + (30 + Math.floor(random() * 60)) * DAY_MS).toISOString() : undefined;
    command(pick(USERS), {
      type: 'SentToNurture',
      data: { leadId, reason: 'too early', track: chance(0.6) ? 'nurture' : 'content', ...(revisit ? { revisitAt: revisit } : {}) },
    });
    status = 'nurturing';
  };
  /** Back to open; qualified again at once when the three facts are there (as the decider does). */
  const reactivate = () => {
    const previousStatus = status as 'nurturing' | 'disqualified' | 'lost';
    const events: LeadEvent[] = [{ type: 'LeadReactivated', data: { leadId, reason: 'came back', previousStatus } }];
    status = 'open';
    if (qualifiedFacts()) {
      events.push({ type: 'LeadQualified', data: { leadId, how: 'automatic', facts: { ...facts } } });
      status = 'qualified';
    }
    command(pick(USERS), ...events);
  };
  const qualify = () => {
    if (facts.need === undefined) {
      later(2, 96);
      facts.need = 'A CRM for 20 sales reps';
      facts.productLine = 'crm';
      command(pick(USERS), { type: 'NeedConfirmed', data: { leadId, need: facts.need, productLine: 'crm' } });
    }
    if (facts.budget === undefined) {
      later(2, 96);
      facts.budget = { amount: 5000 + Math.floor(random() * 50) * 1000, currency: 'EUR' };
      command(pick(USERS), { type: 'BudgetVerified', data: { leadId, ...facts.budget } });
    }
    later(2, 96);
    facts.decisionMaker = { name: `Boss ${index}`, role: 'CEO' };
    const events: LeadEvent[] = [{ type: 'DecisionMakerReached', data: { leadId, ...facts.decisionMaker } }];
    if (current() === 'open' || current() === 'nurturing') {
      events.push({ type: 'LeadQualified', data: { leadId, how: 'automatic', facts: { ...facts } } });
      status = 'qualified';
    }
    command(pick(USERS), ...events);
  };

  for (let round = 0; round < 3; round++) {
    later(4, 24 * 10);
    if (current() === 'open') {
      const r = random();
      if (r < 0.15) {
        disqualify();
        if (!chance(0.3)) break;
        later(24 * 10, 24 * 60);
        reactivate();
        continue;
      }
      if (r < 0.35) {
        nurture();
        if (chance(0.4)) {
          later(24 * 20, 24 * 90);
          reactivate();
          continue;
        }
        if (chance(0.2)) {
          later(24 * 20, 24 * 90);
          disqualify();
        }
        break;
      }
      if (r < 0.38) {
        // Handed to sales by override, without qualification.
        command(pick(USERS), {
          type: 'HandedToSales',
          data: { leadId, ...(owner ? { owner } : {}), qualified: false, override: { reason: 'key account' }, facts: { ...facts } },
        });
        status = 'handed_to_sales';
      } else {
        qualify();
      }
    }
    if (current() === 'qualified') {
      if (chance(0.1)) {
        later(1, 48);
        nurture();
        break;
      }
      if (owner === undefined && chance(0.8)) {
        later(1, 24);
        assign();
      }
      if (chance(0.1)) {
        later(1, 48);
        score();
      }
      if (!chance(0.75)) break;
      later(1, 72);
      const handOwner = chance(0.2) ? pick(OWNERS) : owner;
      if (handOwner) owner = handOwner;
      command(pick(USERS), {
        type: 'HandedToSales',
        data: { leadId, ...(handOwner ? { owner: handOwner } : {}), qualified: true, facts: { ...facts } },
      });
      status = 'handed_to_sales';
    }
    if (current() === 'handed_to_sales') {
      later(24 * 3, 24 * 60);
      const r = random();
      if (r < 0.35) {
        command(owner ? `user:${owner}` : pick(USERS), {
          type: 'SaleWon',
          data: { leadId, amount: 1000 + Math.floor(random() * 100) * 100, currency: 'EUR' },
        });
        status = 'won';
        break;
      }
      if (r < 0.85) {
        const needRemains = chance(0.4);
        const lost: LeadEvent = { type: 'SaleLost', data: { leadId, reason: 'price', needRemains } };
        if (needRemains) {
          command(owner ? `user:${owner}` : pick(USERS), lost, {
            type: 'SentToNurture',
            data: { leadId, reason: 'sale lost, need remains: price', track: 'nurture' },
          });
          status = 'nurturing';
          if (chance(0.5)) {
            later(24 * 20, 24 * 90);
            reactivate();
            continue;
          }
        } else {
          command(owner ? `user:${owner}` : pick(USERS), lost);
          status = 'lost';
        }
      }
      break;
    }
    break;
  }

  if (chance(0.02)) {
    later(24, 24 * 30);
    command(pick(USERS), { type: 'DuplicateMerged', data: { leadId, survivorLeadId: id(), note: 'same email' } });
    status = 'merged';
  }
  if (current() !== 'merged' && chance(0.02)) {
    later(24, 24 * 30);
    const erasedFields = ['contact.name', 'contact.email', 'contact.phone', ...(facts.decisionMaker ? ['decisionMaker.name'] : [])];
    command('user:dpo', { type: 'PersonalDataErased', data: { leadId, reason: 'GDPR request', erasedFields } });
    status = 'erased';
  }
  return { leadId, streamId: `lead-${leadId}`, imported, commands };
}

export function* generateLeads(options: LeadHistoryOptions): Generator<GeneratedLead> {
  for (let i = 0; i < options.leads; i++) yield generateLead(i, options);
}

export interface InterleavedCommand {
  readonly lead: GeneratedLead;
  /** The command's index in the lead's life (its events' revisions follow from it). */
  readonly index: number;
  readonly command: GeneratedCommand;
}

/**
 * The order in which the commands reach the log, as it happens live: all leads' commands merged in
 * business-time order (each lead's in its own order); imported leads afterwards, one whole lead after
 * another, as an import appends them. Memory holds only the leads whose lives are under way.
 */
export function* chronological(leads: Iterable<GeneratedLead>): Generator<InterleavedCommand> {
  const heap = new CommandHeap();
  const imported: GeneratedLead[] = [];
  const source = leads[Symbol.iterator]();
  let upcoming: GeneratedLead | undefined;
  const pull = (): GeneratedLead | undefined => {
    for (;;) {
      const next = source.next();
      if (next.done) return undefined;
      if (next.value.imported) imported.push(next.value);
      else if (next.value.commands.length > 0) return next.value;
    }
  };
  upcoming = pull();
  for (;;) {
    // Live leads come in capture order: one starting before the earliest pending command joins first.
    while (upcoming && (heap.size === 0 || upcoming.commands[0].at <= heap.peek()!.command.at)) {
      heap.push({ lead: upcoming, index: 0, command: upcoming.commands[0] });
      upcoming = pull();
    }
    const next = heap.pop();
    if (!next) break;
    yield next;
    const index = next.index + 1;
    if (index < next.lead.commands.length) heap.push({ lead: next.lead, index, command: next.lead.commands[index] });
  }
  for (const lead of imported) for (let i = 0; i < lead.commands.length; i++) yield { lead, index: i, command: lead.commands[i] };
}

/** A binary min-heap of pending commands by business time, ties in insertion order. */
class CommandHeap {
  private readonly items: { entry: InterleavedCommand; seq: number }[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  peek(): InterleavedCommand | undefined {
    return this.items[0]?.entry;
  }

  push(entry: InterleavedCommand): void {
    const items = this.items;
    items.push({ entry, seq: this.seq++ });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  pop(): InterleavedCommand | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0].entry;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let smallest = i;
        if (l < items.length && this.less(l, smallest)) smallest = l;
        if (r < items.length && this.less(r, smallest)) smallest = r;
        if (smallest === i) break;
        [items[i], items[smallest]] = [items[smallest], items[i]];
        i = smallest;
      }
    }
    return top;
  }

  private less(a: number, b: number): boolean {
    const x = this.items[a];
    const y = this.items[b];
    return x.entry.command.at < y.entry.command.at || (x.entry.command.at === y.entry.command.at && x.seq < y.seq);
  }
}

/** The events of a command as the engine stores them. */
export function toEventsToAppend(lead: GeneratedLead, command: GeneratedCommand): EventToAppend[] {
  return command.events.map((event, i) => ({
    id: command.eventIds[i],
    type: event.type,
    data: event.data,
    metadata: {
      eventId: command.eventIds[i],
      commandId: command.commandId,
      correlationId: command.commandId,
      causationId: command.commandId,
      actor: command.actor,
      occurredAt: command.at,
      schemaVersion: 1,
    },
  }));
}

/**
 * Appends commands to a store, `concurrency` appends at a time (the embedded store group-commits
 * appends issued together into one transaction). Returns the number of events appended.
 */
export async function appendCommands(store: EventStore, commands: Iterable<InterleavedCommand>, concurrency = 2000): Promise<number> {
  let pending: Promise<unknown>[] = [];
  let count = 0;
  for (const { lead, index, command } of commands) {
    // The stream's revision before this command follows from the commands before it in the lead's life.
    let before = 0;
    for (let i = 0; i < index; i++) before += lead.commands[i].events.length;
    const events = toEventsToAppend(lead, command);
    pending.push(store.appendToStream(lead.streamId, events, { expectedRevision: index === 0 ? 'no_stream' : BigInt(before - 1) }));
    count += events.length;
    if (pending.length >= concurrency) {
      await Promise.all(pending);
      pending = [];
    }
  }
  await Promise.all(pending);
  return count;
}

export function countEvents(leads: readonly GeneratedLead[]): number {
  let n = 0;
  for (const lead of leads) for (const c of lead.commands) n += c.events.length;
  return n;
}
