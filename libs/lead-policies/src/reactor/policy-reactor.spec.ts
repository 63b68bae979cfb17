import type { LeadEventMetadata } from '@lead/domain';
import { EventStoreUnavailableError, SqliteEventStore, type EventStore, type RecordedEvent } from '@lead/event-store';
import { ManualClock, openTestEngine, type TestEngine } from '../policies.test-kit';
import { SqlitePolicyStore } from '../policy-state/sqlite-policy-store';

const T0 = new Date('2026-03-02T09:00:00.000Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** 43 fit points in the default model (B2B, manufacturing, 120 employees, RO, web form, organic search). */
const capture = (email: string) => ({
  type: 'CaptureLead' as const,
  data: {
    kind: 'B2B' as const,
    contact: { name: 'Ana Pop', email },
    company: { name: 'Acme', industry: 'manufacturing', employees: 120, country: 'RO' },
    source: { channel: 'web_form' as const, origin: 'organic_search' as const },
  },
  actor: 'service:web-forms',
});
const activity = (leadId: string, type: string, actor = 'service:web') => ({
  type: 'RecordActivity' as const,
  leadId,
  data: { activityType: type },
  actor,
});
const meta = (e: RecordedEvent) => e.metadata as LeadEventMetadata;
const summary = (events: RecordedEvent[]) => events.map((e) => `${e.type} ${meta(e).actor}`);
const data = (e: RecordedEvent | undefined) => e?.data as Record<string, unknown>;

describe('the policy reactor', () => {
  let clock: ManualClock;
  let engine: TestEngine;
  const settle = async () => {
    await engine.reactor.sweep();
    await engine.reactor.idle();
  };

  describe('with the time under the test’s control', () => {
    beforeEach(async () => {
      clock = new ManualClock(T0);
      engine = await openTestEngine({ clock });
      await engine.reactor.idle();
    });
    afterEach(() => engine.close());

    it('decay cools a hot lead over time; the SLA then sends it to nurture; its revisit date brings it back', async () => {
      const { leadId } = await engine.send(capture('decay@acme.ro'));
      for (const type of ['whitepaper_download', 'contact_form', 'call_booked']) await engine.send(activity(leadId, type));
      await engine.reactor.idle();
      const scores = async () =>
        (await engine.stream(leadId))
          .filter((e) => e.type === 'LeadScored')
          .map((e) => [data(e).total, data(e).temperature, data(e).previousTemperature ?? null]);
      expect((await scores()).at(-1)).toEqual([123, 'hot', 'warm']);

      // Hot and unqualified: past the SLA, but it needs a person, so it stays open.
      clock.advance(3 * DAY);
      await settle();
      expect((await engine.stream(leadId)).at(-1)?.type).toBe('LeadScored');

      clock.advance(4 * DAY); // day 7: the weekly refresh while points fade
      await settle();
      expect((await scores()).at(-1)).toEqual([111, 'hot', 'hot']); // 80 × 0.5^(7/30) = 68 left: −12

      clock.advance(8.1 * DAY); // day 15.1: past the crossing into warm
      await settle();
      expect((await scores()).at(-1)).toEqual([99, 'warm', 'hot']);
      const cooled = (await engine.stream(leadId)).at(-1)!;
      expect(meta(cooled)).toMatchObject({ actor: 'policy:scoring', occurredAt: clock.now().toISOString() });

      await settle(); // the SLA sees the warm lead now
      const nurtured = (await engine.stream(leadId)).at(-1)!;
      expect(nurtured.type).toBe('SentToNurture');
      expect(meta(nurtured)).toMatchObject({ actor: 'policy:sla', causationId: cooled.id });
      expect(nurtured.data).toMatchObject({
        track: 'nurture',
        revisitAt: new Date(T0.getTime() + 48 * HOUR + 30 * DAY).toISOString(),
        reason: expect.stringMatching(/^SLA 48 h: .*warm lead → nurture track$/),
      });

      clock.advance(32 * DAY - 15.1 * DAY); // day 32: the revisit date, and a decay refresh that comes first
      await settle();
      await settle();
      const back = (await engine.stream(leadId)).filter((e) => e.type === 'LeadReactivated');
      expect(back.map((e) => [meta(e).actor, data(e).reason])).toEqual([
        ['policy:nurture-revisit', `revisit date ${new Date(T0.getTime() + 32 * DAY).toISOString()} reached on the nurture track`],
      ]);
    });

    it('never snatches a lead a person is qualifying: a human action restarts the SLA clock', async () => {
      const { leadId } = await engine.send(capture('busy@acme.ro'));
      await engine.send(activity(leadId, 'whitepaper_download'));
      await engine.send(activity(leadId, 'contact_form')); // 73: warm
      await engine.reactor.idle();
      clock.advance(47 * HOUR);
      await engine.send({ type: 'ConfirmNeed', leadId, data: { need: 'CRM', productLine: 'crm' }, actor: 'user:ana' });
      await engine.reactor.idle();
      clock.advance(46 * HOUR); // 93 h after capture, 46 h after Ana's last action
      await settle();
      expect((await engine.stream(leadId)).some((e) => e.type === 'SentToNurture')).toBe(false);
      clock.advance(2 * HOUR); // 48 h after her action
      await settle();
      const nurtured = (await engine.stream(leadId)).filter((e) => e.type === 'SentToNurture');
      expect(nurtured.map((e) => [meta(e).actor, data(e).track])).toEqual([['policy:sla', 'nurture']]);
    });

    it('a sweep repeated before its reactions are handled appends nothing twice', async () => {
      const { leadId } = await engine.send(capture('twice@acme.ro')); // 43: cold
      await engine.reactor.idle();
      clock.advance(49 * HOUR);
      await Promise.all([engine.reactor.sweep(), engine.reactor.sweep(), engine.reactor.sweep()]);
      await engine.reactor.idle();
      const nurtured = (await engine.stream(leadId)).filter((e) => e.type === 'SentToNurture');
      expect(nurtured.map((e) => data(e).track)).toEqual(['content']);
    });

    it('reactivates a nurtured lead whose score crosses into hot', async () => {
      const { leadId } = await engine.send(capture('comeback@acme.ro'));
      await engine.send(activity(leadId, 'whitepaper_download'));
      await engine.send({ type: 'SendToNurture', leadId, data: { reason: 'budget next year', track: 'content' } });
      await engine.reactor.idle();
      await engine.send(activity(leadId, 'call_booked')); // 103: hot
      await engine.reactor.idle();
      const events = await engine.stream(leadId);
      const hot = events.find((e) => e.type === 'LeadScored' && data(e).temperature === 'hot')!;
      const reactivated = events.find((e) => e.type === 'LeadReactivated')!;
      expect(meta(reactivated)).toMatchObject({ actor: 'policy:nurture-revisit', causationId: hot.id });
      expect(data(reactivated).reason).toBe('score crossed into hot: 103 points (was warm) while on the content track');
    });

    it('routes a qualified lead to its category manager and hands it over once it is hot, each reaction caused by its trigger', async () => {
      const { leadId } = await engine.send(capture('hot@acme.ro'));
      await engine.send({ type: 'ConfirmNeed', leadId, data: { need: 'ERP', productLine: 'erp' } });
      await engine.send({ type: 'VerifyBudget', leadId, data: { amount: 9000, currency: 'EUR' } });
      await engine.send({ type: 'ReachDecisionMaker', leadId, data: { name: 'Ion', role: 'CFO' } });
      await engine.reactor.idle();
      expect((await engine.stream(leadId)).at(-1)).toMatchObject({
        type: 'LeadAssigned',
        data: { owner: 'elena', rule: 'category:erp:round-robin', segment: 'B' },
      });
      await engine.send(activity(leadId, 'call_booked'));
      await engine.send(activity(leadId, 'price_request')); // 133: hot
      await engine.reactor.idle();
      const events = await engine.stream(leadId);
      const byId = new Map(events.map((e) => [e.id, e]));
      expect(summary(events.filter((e) => meta(e).actor.startsWith('policy:'))).map((s) => s.split(' ')[0])).toEqual([
        'LeadScored',
        'LeadAssigned',
        'LeadScored',
        'LeadScored',
        'HandedToSales',
      ]);
      const handed = events.at(-1)!;
      expect(handed).toMatchObject({ type: 'HandedToSales', data: { owner: 'elena', qualified: true } });
      expect(byId.get(meta(handed).causationId)).toMatchObject({
        type: 'LeadScored',
        data: { temperature: 'hot', previousTemperature: 'warm' },
      });
      expect(byId.get(meta(events.find((e) => e.type === 'LeadAssigned')!).causationId)?.type).toBe('LeadQualified');
    });
  });

  it('replays from scratch (a new, empty policy state) without appending anything twice', async () => {
    clock = new ManualClock(T0);
    const store = new SqliteEventStore({ path: ':memory:' });
    try {
      engine = await openTestEngine({ clock, store });
      for (let i = 0; i < 3; i++) {
        const { leadId } = await engine.send(capture(`replay${i}@acme.ro`));
        await engine.send(activity(leadId, 'call_booked'));
        await engine.send(activity(leadId, 'price_request'));
        await engine.send({ type: 'ConfirmNeed', leadId, data: { need: 'CRM', productLine: 'crm' } });
        await engine.send({ type: 'VerifyBudget', leadId, data: {} });
        await engine.send({ type: 'ReachDecisionMaker', leadId, data: { name: 'Ion', role: 'CEO' } });
      }
      await engine.reactor.idle();
      await engine.close();
      const before = (await store.readAll()).map((e) => e.id);
      expect(before.length).toBeGreaterThan(25);

      engine = await openTestEngine({ clock, store }); // a fresh ':memory:' policy state: checkpoint null, counters 0
      await engine.reactor.idle();
      await settle();
      expect((await store.readAll()).map((e) => e.id)).toEqual(before);
      const owners = (await store.readAll()).filter((e) => e.type === 'LeadAssigned').map((e) => data(e).owner);
      expect(owners).toEqual(['maria', 'andrei', 'maria']);
      await engine.close();
    } finally {
      await store.close();
    }
  });

  it('counts the refusals of a lead that moved on, and goes on', async () => {
    const store = new SqliteEventStore({ path: ':memory:' });
    engine = await openTestEngine({ store, policies: { reactor: false } });
    try {
      const { leadId } = await engine.send(capture('moved@acme.ro'));
      await engine.send({ type: 'ConfirmNeed', leadId, data: { need: 'CRM', productLine: 'crm' } });
      await engine.send({ type: 'VerifyBudget', leadId, data: {} });
      await engine.send({ type: 'ReachDecisionMaker', leadId, data: { name: 'Ion', role: 'CEO' } });
      await engine.send({ type: 'DisqualifyLead', leadId, data: { reason: 'no_need', note: 'changed their mind' } });
      expect(engine.reactor.status().state).toBe('stopped');
      engine.reactor.start(); // catches up: on LeadQualified it assigns, but the lead is disqualified by now
      await engine.reactor.idle();
      expect(engine.reactor.status()).toMatchObject({ state: 'running', reactions: { refused: 1 } });
      expect((await engine.stream(leadId)).map((e) => e.type)).not.toContain('LeadAssigned');
    } finally {
      await engine.close();
      await store.close();
    }
  });

  it('retries with backoff while the event store is unavailable', async () => {
    const inner = new SqliteEventStore({ path: ':memory:' });
    let failures = 2;
    const flaky: EventStore = Object.assign(Object.create(inner) as EventStore, {
      appendToStream: (
        streamId: string,
        events: Parameters<EventStore['appendToStream']>[1],
        options: Parameters<EventStore['appendToStream']>[2],
      ) => {
        if (String(events[0]?.metadata.actor).startsWith('policy:') && failures-- > 0)
          return Promise.reject(new EventStoreUnavailableError('connection lost'));
        return inner.appendToStream(streamId, events, options);
      },
    });
    engine = await openTestEngine({ store: flaky });
    try {
      const { leadId } = await engine.send(capture('flaky@acme.ro'));
      await engine.reactor.idle();
      expect((await engine.stream(leadId)).map((e) => e.type)).toEqual(['LeadCaptured', 'LeadScored']);
      expect(engine.reactor.status()).toMatchObject({ state: 'running', reactions: { retried: 2, appended: 1 } });
    } finally {
      await engine.close();
      await inner.close();
    }
  });

  it('stops on an unexpected error, naming the event and its position in its status', async () => {
    const state = new SqlitePolicyStore(':memory:');
    const broken = Object.assign(Object.create(state) as SqlitePolicyStore, {
      lead: (id: string) => (id === poisoned ? Promise.reject(new Error('disk I/O error')) : state.lead(id)),
    });
    let poisoned = '';
    engine = await openTestEngine({ policies: { stateStore: broken } });
    try {
      const { leadId } = await engine.send(capture('ok@acme.ro'));
      await engine.reactor.idle();
      poisoned = leadId;
      await engine.send(activity(leadId, 'call_booked'));
      await expect(engine.reactor.idle()).rejects.toThrow(/ActivityRecorded/);
      const status = engine.reactor.status();
      expect(status.state).toBe('stopped_with_error');
      expect(status.error).toMatch(
        /^reaction to ActivityRecorded [0-9a-f-]{36} \(stream lead-[0-9a-f-]{36}, position \d+\) failed: disk I\/O error$/,
      );
    } finally {
      await engine.close();
      await state.close();
    }
  });

  it('does nothing when switched off (POLICIES=off)', async () => {
    engine = await openTestEngine({ policies: { reactor: false } });
    try {
      const { leadId } = await engine.send(capture('off@acme.ro'));
      await new Promise((r) => setTimeout(r, 50));
      expect((await engine.stream(leadId)).map((e) => e.type)).toEqual(['LeadCaptured']);
      expect(engine.reactor.status()).toEqual({
        state: 'stopped',
        checkpoint: null,
        reactions: { appended: 0, unchanged: 0, refused: 0, retried: 0 },
      });
    } finally {
      await engine.close();
    }
  });
});
