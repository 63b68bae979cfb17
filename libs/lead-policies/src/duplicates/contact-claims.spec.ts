import { randomUUID } from 'node:crypto';
import { DuplicateLeadError, deterministicUuid } from '@lead/lifecycle';
import { openTestEngine, testRouting, type TestEngine } from '../policies.test-kit';
import { sha256Hex } from '@lead/privacy';

const capture = (email?: string, phone?: string) => ({
  type: 'CaptureLead' as const,
  data: {
    kind: 'B2C' as const,
    contact: { name: 'Ana Pop', ...(email ? { email } : {}), ...(phone ? { phone } : {}) },
    source: { channel: 'web_form' as const, campaign: 'spring' },
  },
});

async function refusal(promise: Promise<unknown>): Promise<DuplicateLeadError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DuplicateLeadError) return error;
    throw error;
  }
  throw new Error('expected the capture to be refused as a duplicate');
}

describe('duplicate detection on capture (claim streams)', () => {
  describe('mode refuse', () => {
    let engine: TestEngine;
    beforeEach(async () => (engine = await openTestEngine({ policies: { reactor: false, claimGraceMs: 100 } })));
    afterEach(() => engine.close());

    it('refuses the same normalised email with the existing lead id, and appends no lead', async () => {
      const first = await engine.send(capture('Ana.Pop@Acme.ro'));
      const commandId = randomUUID();
      const error = await refusal(engine.send({ ...capture(' ana.pop@acme.RO '), options: { commandId } }));
      expect(error).toMatchObject({ rule: 'capture.duplicate', existingLeadId: first.leadId, matchedOn: 'email' });
      expect(error.message).toContain(first.leadId);
      expect(await engine.stream(deterministicUuid(`lead:${commandId}`))).toEqual([]);
      expect((await engine.store.readAll()).filter((e) => (e.metadata as { commandId?: string }).commandId === commandId)).toEqual([]);
    });

    it('refuses the same normalised phone', async () => {
      const first = await engine.send(capture(undefined, '+40 (721) 555-010'));
      expect(await refusal(engine.send(capture('other@acme.ro', '+40721555010')))).toMatchObject({
        existingLeadId: first.leadId,
        matchedOn: 'phone',
      });
    });

    it('lets exactly one of many concurrent captures of one address through', async () => {
      const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => engine.send(capture('race@acme.ro'))));
      const accepted = outcomes.filter(
        (o): o is PromiseFulfilledResult<Awaited<ReturnType<TestEngine['send']>>> => o.status === 'fulfilled',
      );
      expect(accepted).toHaveLength(1);
      for (const o of outcomes.filter((o) => o.status === 'rejected'))
        expect((o as PromiseRejectedResult).reason).toMatchObject({ existingLeadId: accepted[0].value.leadId });
      expect((await engine.store.readAll()).filter((e) => e.type === 'LeadCaptured')).toHaveLength(1);
    });

    it('answers a retried capture with its first result (no duplicate of itself)', async () => {
      const commandId = randomUUID();
      const first = await engine.send({ ...capture('retry@acme.ro'), options: { commandId } });
      expect(await engine.send({ ...capture('retry@acme.ro'), options: { commandId } })).toEqual(first);
    });

    it('takes over a claim whose lead was never captured, once its grace period is over', async () => {
      const orphan = randomUUID();
      await engine.store.appendToStream(engine.contactKeys.claimStream('email', 'orphan@acme.ro'), [
        { id: randomUUID(), type: 'ContactClaimed', data: { leadId: orphan, kind: 'email' }, metadata: {} },
      ]);
      const started = Date.now();
      const result = await engine.send(capture('orphan@acme.ro'));
      expect(Date.now() - started).toBeGreaterThanOrEqual(90);
      const claims = await engine.store.readStream(engine.contactKeys.claimStream('email', 'orphan@acme.ro'));
      expect(claims.map((c) => (c.data as { leadId: string }).leadId)).toEqual([orphan, result.leadId]);
    });

    it('frees the address of an erased lead, and of a lead whose email was corrected', async () => {
      const erased = await engine.send(capture('gone@acme.ro'));
      await engine.send({ type: 'ErasePersonalData', leadId: erased.leadId, data: { reason: 'GDPR art. 17' } });
      await expect(engine.send(capture('gone@acme.ro'))).resolves.toMatchObject({ events: ['LeadCaptured'] });

      const corrected = await engine.send(capture('old@acme.ro'));
      await engine.send({ type: 'CorrectContactDetails', leadId: corrected.leadId, data: { contact: { email: 'new@acme.ro' } } });
      await expect(engine.send(capture('old@acme.ro'))).resolves.toMatchObject({ events: ['LeadCaptured'] });
    });

    it('names claim streams by a keyed hash, not by the SHA-256 of the address, and erasure deletes them', async () => {
      const lead = await engine.send(capture('keyed@acme.ro', '+40 721 000 111'));
      const claimStreams = [...new Set((await engine.raw.readAll()).filter((e) => e.type === 'ContactClaimed').map((e) => e.streamId))];
      expect(claimStreams).toEqual([
        engine.contactKeys.claimStream('email', 'keyed@acme.ro'),
        engine.contactKeys.claimStream('phone', '+40721000111'),
      ]);
      expect(claimStreams[0]).not.toContain(sha256Hex('keyed@acme.ro'));
      await engine.send({ type: 'ErasePersonalData', leadId: lead.leadId, data: { reason: 'GDPR art. 17' } });
      for (const stream of claimStreams) expect(await engine.raw.readStream(stream)).toEqual([]);
      expect((await engine.raw.readAll()).filter((e) => e.type === 'ContactClaimed')).toEqual([]);
    });

    it("points a merged duplicate's address at its survivor", async () => {
      const survivor = await engine.send(capture('survivor@acme.ro'));
      const duplicate = await engine.send(capture('dup@acme.ro'));
      await engine.send({ type: 'MergeDuplicate', leadId: duplicate.leadId, data: { survivorLeadId: survivor.leadId } });
      expect(await refusal(engine.send(capture('dup@acme.ro')))).toMatchObject({ existingLeadId: survivor.leadId });
    });
  });

  describe('mode record_activity', () => {
    let engine: TestEngine;
    beforeEach(
      async () =>
        (engine = await openTestEngine({
          policies: { reactor: false, routing: { ...testRouting, duplicates: { mode: 'record_activity', activityType: 'contact_form' } } },
        })),
    );
    afterEach(() => engine.close());

    it("records the capture as an activity on the existing lead and answers with that lead's result; a retry records nothing more", async () => {
      const first = await engine.send(capture('ana@acme.ro'));
      const commandId = randomUUID();
      const again = await engine.send({ ...capture('ANA@acme.ro'), options: { commandId }, actor: 'service:web-forms' });
      expect(again).toMatchObject({ leadId: first.leadId, revision: 1, events: ['ActivityRecorded'] });
      const [, activity] = await engine.stream(first.leadId);
      expect(activity).toMatchObject({
        type: 'ActivityRecorded',
        data: {
          activityType: 'contact_form',
          details: { duplicateCapture: true, matchedOn: 'email', channel: 'web_form', campaign: 'spring' },
        },
        metadata: { actor: 'service:web-forms', causationId: commandId },
      });
      expect(await engine.send({ ...capture('ANA@acme.ro'), options: { commandId }, actor: 'service:web-forms' })).toEqual(again);
      expect(await engine.stream(first.leadId)).toHaveLength(2);
    });
  });

  it('mode off writes no claims and lets duplicates through', async () => {
    const engine = await openTestEngine({
      policies: { reactor: false, routing: { ...testRouting, duplicates: { mode: 'off', activityType: 'contact_form' } } },
    });
    try {
      await engine.send(capture('same@acme.ro'));
      await engine.send(capture('same@acme.ro'));
      expect((await engine.store.readAll()).map((e) => e.type)).toEqual(['LeadCaptured', 'LeadCaptured']);
    } finally {
      await engine.close();
    }
  });
});
