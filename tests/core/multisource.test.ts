/**
 * 360 (multisource) feedback through the core on both engines: the default and a program's own instrument, opening
 * rounds (idempotent, one DM per resident per rater), answering in one submission and changing the answer, the
 * anonymity threshold, who may look, and a scan of the rendered resident and CCC views for any trace of a rater.
 */
import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { formatProblem } from '../../src/core/imports/problems.ts';
import { importMultisourceInstrument } from '../../src/core/multisource/import-multisource-instrument.ts';
import { loadDefaultMultisourceInstrument } from '../../src/core/multisource/load-default-instrument.ts';
import {
  COMMENT_FIELD,
  declineMultisource,
  ITEM_FIELD_PREFIX,
  multisourceAnswersFromForm,
  openMultisourceForm,
  submitMultisourceResponse,
} from '../../src/core/multisource/multisource-response.ts';
import { multisourceSummaryForCcc, multisourceSummaryForResident } from '../../src/core/multisource/multisource-summary.ts';
import { openMultisourceRound } from '../../src/core/multisource/open-multisource-round.ts';
import type { Db } from '../../src/db/client.ts';
import {
  auditLog,
  multisourceAnswers,
  multisourceInstruments,
  multisourceItems,
  multisourceRequests,
  multisourceResponses,
  multisourceRounds,
  outboxMessages,
  people,
  programs,
} from '../../src/db/schema/index.ts';
import { MULTISOURCE_ACTIONS, MULTISOURCE_SUBJECTS } from '../../src/messages/actions.ts';
import type { Message } from '../../src/messages/model.ts';
import { renderForm, renderMessage, renderMessages } from '../../src/platforms/slack/render/block-kit.ts';
import { renderFormCard, renderMessageCard, renderMessageCards } from '../../src/platforms/teams/render/adaptive-card.ts';
import { describeOnEachEngine } from '../helpers/db.ts';
import { refusal } from '../helpers/refusal.ts';
import { demoPerson, fixedClock, seedDemoProgram } from '../helpers/demo-program.ts';

const RATERS = ['rosa.delgado', 'tom.becker', 'uma.iyer', 'nadia.karim', 'leo.marsh', 'ivy.tran'] as const;

async function programId(db: Db): Promise<string> {
  const [program] = await db.select({ id: programs.id }).from(programs).where(eq(programs.slug, 'internal-medicine'));
  return program!.id;
}

async function requestOf(db: Db, roundId: string, residentId: string, raterId: string) {
  const [request] = await db
    .select()
    .from(multisourceRequests)
    .where(and(eq(multisourceRequests.roundId, roundId), eq(multisourceRequests.residentId, residentId), eq(multisourceRequests.raterId, raterId)));
  if (!request) throw new Error('no such request');
  return request;
}

async function itemIds(db: Db, instrumentId: string): Promise<string[]> {
  return (await db.select({ id: multisourceItems.id }).from(multisourceItems).where(eq(multisourceItems.instrumentId, instrumentId)).orderBy(multisourceItems.position)).map(
    (i) => i.id,
  );
}

/** Everything a table holds, to prove a refused submission changed nothing. */
async function snapshot(db: Db) {
  return {
    responses: await db.select().from(multisourceResponses).orderBy(multisourceResponses.id),
    answers: await db.select().from(multisourceAnswers).orderBy(multisourceAnswers.responseId, multisourceAnswers.itemId),
    requests: await db.select({ id: multisourceRequests.id, status: multisourceRequests.status }).from(multisourceRequests).orderBy(multisourceRequests.id),
    outbox: (await db.select({ n: sql<number>`count(*)::int` }).from(outboxMessages))[0]!.n,
  };
}

describeOnEachEngine('360 instruments: the shipped default and a program’s own', (ctx) => {
  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
  });

  it('stores the default once per rater group; loading it again changes nothing', async () => {
    const dry = await loadDefaultMultisourceInstrument({ db: ctx.db, dryRun: true });
    expect(dry).toMatchObject({ ok: true, dryRun: true, summary: { 'multisource instruments': { created: 8 } } });
    expect(await ctx.db.select().from(multisourceInstruments)).toHaveLength(0);
    const first = await loadDefaultMultisourceInstrument({ db: ctx.db });
    const second = await loadDefaultMultisourceInstrument({ db: ctx.db });
    expect(first).toMatchObject({ ok: true, summary: { 'multisource instruments': { created: 8, updated: 0, unchanged: 0 } } });
    expect(second).toMatchObject({ ok: true, summary: { 'multisource instruments': { created: 0, updated: 0, unchanged: 8 } } });
    const stored = await ctx.db.select().from(multisourceInstruments);
    expect(stored).toHaveLength(8);
    expect(stored.every((i) => i.programId === null && i.version === 1)).toBe(true);
    const items = await ctx.db.select().from(multisourceItems);
    expect(items.every((i) => i.anchors.length === 5 && /^(ICS|PROF|SBP)\d$/.test(i.subcompetencyCode))).toBe(true);
  });

  const own = (subcompetency = 'ICS2') => `program: internal-medicine
instruments:
  - rater_group: nurse
    title: Our nursing questions
    items:
      - subcompetency: ${subcompetency}
        prompt: Keeps us in the loop
        anchors: { 1: Never, 2: Rarely, 3: Usually, 4: Almost always, 5: Always and asks us first }
      - subcompetency: PROF1
        prompt: Is respectful
        anchors: { 1: Rude, 2: Curt under stress, 3: Courteous, 4: Calm under stress, 5: Sets the tone }
      - subcompetency: SBP1
        prompt: Is safe
        anchors: { 1: Unsafe, 2: Safe when told, 3: Safe, 4: Anticipates risk, 5: Leads on safety }
`;

  it('imports a program’s own instrument all or nothing, with line-numbered problems', async () => {
    const bad = `${own('SBP9')}  - rater_group: surgeon\n    title: x\n    items: []\n`;
    const refused = await importMultisourceInstrument({ db: ctx.db, text: bad, file: 'ours.yaml', dryRun: false });
    expect(refused.ok).toBe(false);
    const lines = refused.ok ? [] : refused.problems.map(formatProblem);
    expect(lines).toContain('ours.yaml:15: instruments.1.rater_group unknown rater group "surgeon"; use one of nurse, peer, pharmacist, therapist, social_worker, staff, student, patient_family');
    // Shape problems come first; once the shape is right, codes are checked against the program's milestone set.
    const unknownCode = await importMultisourceInstrument({ db: ctx.db, text: own('SBP9'), file: 'ours.yaml', dryRun: false });
    expect(unknownCode.ok ? [] : unknownCode.problems.map(formatProblem)).toEqual(['ours.yaml:6: instruments.0.items.0.subcompetency "SBP9" is not a subcompetency of IM 2.0']);
    const noProgram = await importMultisourceInstrument({ db: ctx.db, text: own().replace('program: internal-medicine\n', ''), file: 'ours.yaml', dryRun: false });
    expect(noProgram.ok ? [] : noProgram.problems.map((p) => p.field)).toEqual(['program']);
    expect(await ctx.db.select().from(multisourceInstruments).where(sql`${multisourceInstruments.programId} is not null`)).toHaveLength(0);

    const imported = await importMultisourceInstrument({ db: ctx.db, text: own(), file: 'ours.yaml', dryRun: false });
    expect(imported).toMatchObject({ ok: true, summary: { 'multisource instruments': { created: 1 }, 'multisource items': { created: 3 } } });
    const again = await importMultisourceInstrument({ db: ctx.db, text: own(), file: 'ours.yaml', dryRun: false });
    expect(again).toMatchObject({ ok: true, summary: { 'multisource instruments': { unchanged: 1 } } });
  });

  it('a round asks nurses with the program’s instrument and other groups with the default; rewording a used instrument adds a version', async () => {
    const program = await programId(ctx.db);
    const round = await openMultisourceRound({ db: ctx.db, clock: fixedClock('2026-08-01T15:00:00Z'), programId: program, rotationCode: 'WARDS-B', endsOn: '2026-07-31' });
    expect(round).toMatchObject({ requested: 4, residents: 2, raters: 2 });
    const [programsOwn] = await ctx.db.select().from(multisourceInstruments).where(sql`${multisourceInstruments.programId} is not null`);
    const uma = await requestOf(ctx.db, round.roundId, await demoPerson(ctx.db, 'ben.okafor'), await demoPerson(ctx.db, 'uma.iyer'));
    const leo = await requestOf(ctx.db, round.roundId, await demoPerson(ctx.db, 'ben.okafor'), await demoPerson(ctx.db, 'leo.marsh'));
    expect(uma.instrumentId).toBe(programsOwn!.id);
    expect(leo.instrumentId).not.toBe(programsOwn!.id);

    const reworded = await importMultisourceInstrument({ db: ctx.db, text: own().replace('Keeps us in the loop', 'Keeps nurses in the loop'), file: 'ours.yaml', dryRun: false });
    expect(reworded).toMatchObject({ ok: true, summary: { 'multisource instruments': { updated: 1 } } });
    const versions = await ctx.db.select().from(multisourceInstruments).where(sql`${multisourceInstruments.programId} is not null`).orderBy(multisourceInstruments.version);
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    // The request already sent still points at the words its rater was asked.
    expect((await ctx.db.select().from(multisourceItems).where(eq(multisourceItems.instrumentId, programsOwn!.id))).map((i) => i.prompt)).toContain('Keeps us in the loop');
  });
});

describeOnEachEngine('360 rounds, answers and anonymity-safe summaries', (ctx) => {
  const clock = fixedClock('2026-08-01T15:00:00Z');
  const ports = () => ({ db: ctx.db, clock });
  const ids: Record<string, string> = {};
  let program: string;
  let micuRound: string;

  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    program = await programId(ctx.db);
    for (const handle of [...RATERS, 'ana.ruiz', 'gabe.lindqvist', 'chloe.nguyen', 'isaac.mensah', 'maya.lee', 'omar.haddad', 'priya.raman', 'victor.chen', 'grace.kim']) {
      ids[handle] = await demoPerson(ctx.db, handle);
    }
  });

  it('opens a rotation round once: one request and one DM per resident per rater, and a second run creates nothing', async () => {
    const first = await openMultisourceRound({ ...ports(), programId: program, rotationCode: 'WARDS-A', endsOn: '2026-07-31' });
    // Ana and Gabe finished Wards A on Jul 31; its raters are Rosa and Tom (nurses), Nadia (pharmacist), Leo (social work).
    expect(first).toMatchObject({ roundKey: 'rotation:WARDS-A:2026-07-31', requested: 8, alreadyRequested: 0, residents: 2, raters: 4 });
    const second = await openMultisourceRound({ ...ports(), programId: program, rotationCode: 'WARDS-A', endsOn: '2026-07-31' });
    expect(second).toMatchObject({ roundId: first.roundId, requested: 0, alreadyRequested: 8 });
    expect(await ctx.db.select().from(multisourceRounds)).toHaveLength(1);
    expect(await ctx.db.select().from(multisourceRequests)).toHaveLength(8);

    const dms = await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.kind, 'multisource-request'));
    expect(dms).toHaveLength(8);
    const requests = await ctx.db.select().from(multisourceRequests);
    for (const rater of ['rosa.delgado', 'tom.becker', 'nadia.karim', 'leo.marsh']) {
      const mine = dms.filter((d) => d.recipientPersonId === ids[rater]);
      expect(mine, rater).toHaveLength(2);
      const about = mine.map((d) => JSON.stringify(d.message));
      expect(about.filter((m) => m.includes('Ana Ruiz'))).toHaveLength(1);
      expect(about.filter((m) => m.includes('Gabe Lindqvist'))).toHaveLength(1);
    }
    // Each DM carries the two buttons, both pointing at that DM's own request.
    const dm = dms.find((d) => d.recipientPersonId === ids['rosa.delgado'] && JSON.stringify(d.message).includes('Ana Ruiz'))!;
    const request = requests.find((r) => r.raterId === ids['rosa.delgado'] && r.residentId === ids['ana.ruiz'])!;
    const buttons = (dm.message as Message).blocks.flatMap((b) => (b.type === 'actions' ? b.buttons : []));
    expect(buttons.map((b) => [b.label, b.actionId, b.payload.kind, b.payload.id])).toEqual([
      ['Answer', MULTISOURCE_ACTIONS.answer, MULTISOURCE_SUBJECTS.request, request.id],
      ['I did not work with this resident', MULTISOURCE_ACTIONS.didNotWorkWith, MULTISOURCE_SUBJECTS.request, request.id],
    ]);
    expect(JSON.stringify(dm.message)).toContain('General Medicine Wards A');
  });

  it('refuses a round that names no block, and a rotation the program does not have', async () => {
    expect((await refusal(openMultisourceRound({ ...ports(), programId: program, rotationCode: 'WARDS-A', endsOn: '2026-07-30' }))).code).toBe('not_found');
    expect((await refusal(openMultisourceRound({ ...ports(), programId: program, rotationCode: 'NOPE', endsOn: '2026-07-31' }))).code).toBe('not_found');
    expect((await refusal(openMultisourceRound({ ...ports(), programId: program, rotationCode: 'WARDS-A', endsOn: '31/07/2026' }))).code).toBe('invalid_input');
    expect((await refusal(openMultisourceRound({ ...ports(), programId: program, rotationCode: 'WARDS-A', endsOn: '2026-07-31', periodCode: '2026-mid' }))).code).toBe(
      'invalid_input',
    );
    expect(await ctx.db.select().from(multisourceRounds)).toHaveLength(1);
  });

  it('opens a period round for every resident and rater of the program, once', async () => {
    const first = await openMultisourceRound({ ...ports(), programId: program, periodCode: '2026-mid' });
    expect(first).toMatchObject({ roundKey: 'period:2026-mid', residents: 12, raters: 6, requested: 72 });
    const again = await openMultisourceRound({ ...ports(), programId: program, periodCode: '2026-mid' });
    expect(again).toMatchObject({ requested: 0, alreadyRequested: 72 });
    const dms = await ctx.db.select({ to: outboxMessages.recipientPersonId, key: outboxMessages.idempotencyKey }).from(outboxMessages);
    expect(dms).toHaveLength(8 + 72);
    expect(JSON.stringify(await ctx.db.select({ m: outboxMessages.message }).from(outboxMessages).where(sql`${outboxMessages.idempotencyKey} like 'multisource-request:%'`).limit(80))).toContain(
      '2026–27 mid-year period',
    );
  });

  it('gives only the addressed rater a form: one menu per item (five anchors and Not observed) and one optional comment', async () => {
    const round = await openMultisourceRound({ ...ports(), programId: program, rotationCode: 'MICU', endsOn: '2026-07-31' });
    micuRound = round.roundId;
    // Chloe and Isaac finished the MICU; Rosa, Tom and Uma (nurses) and Ivy (therapist) rate there.
    expect(round).toMatchObject({ residents: 2, raters: 4, requested: 8 });
    const request = await requestOf(ctx.db, micuRound, ids['chloe.nguyen']!, ids['rosa.delgado']!);
    const form = await openMultisourceForm({ ...ports(), requestId: request.id, actorId: ids['rosa.delgado']! });
    const items = await itemIds(ctx.db, request.instrumentId);
    expect(form.fields.map((f) => f.id)).toEqual([...items.map((id) => `${ITEM_FIELD_PREFIX}${id}`), COMMENT_FIELD]);
    for (const field of form.fields.slice(0, -1)) {
      if (field.type !== 'choice' || field.source.kind !== 'options') throw new Error('expected a menu');
      expect(field.source.options.map((o) => o.value)).toEqual(['1', '2', '3', '4', '5', 'not_observed']);
      expect(field.optional).toBe(false);
    }
    expect(form.fields.at(-1)).toMatchObject({ type: 'text_area', optional: true });
    expect(form.payload).toEqual({ kind: MULTISOURCE_SUBJECTS.request, id: request.id, version: 1 });
    // Both platforms take it, and every anchor fits a menu option whole.
    const modal = JSON.stringify(renderForm(form));
    expect(modal).not.toContain('…');
    expect(JSON.stringify(renderFormCard(form))).not.toContain('…');

    expect((await refusal(openMultisourceForm({ ...ports(), requestId: request.id, actorId: ids['tom.becker']! }))).code).toBe('not_allowed');
    expect((await refusal(openMultisourceForm({ ...ports(), requestId: request.id, actorId: ids['chloe.nguyen']! }))).userMessage).toBe(
      'You cannot give 360 feedback about yourself.',
    );
    expect((await refusal(openMultisourceForm({ ...ports(), requestId: 'not-a-uuid', actorId: ids['rosa.delgado']! }))).code).toBe('not_found');
  });

  it('takes an answer in one submission, tells nobody else, and a second answer updates the first', async () => {
    const request = await requestOf(ctx.db, micuRound, ids['chloe.nguyen']!, ids['rosa.delgado']!);
    const items = await itemIds(ctx.db, request.instrumentId);
    const outboxBefore = (await snapshot(ctx.db)).outbox;
    // As the adapter hands it over: form values keyed by field id.
    const values = Object.fromEntries([...items.map((id, i) => [`${ITEM_FIELD_PREFIX}${id}`, i === 1 ? 'not_observed' : '4']), [COMMENT_FIELD, 'Calm and clear at the bedside.']]);
    const first = await submitMultisourceResponse({ ...ports(), requestId: request.id, actorId: ids['rosa.delgado']!, ...multisourceAnswersFromForm(values) });
    expect(first).toMatchObject({ ok: true, updated: false });
    expect(first.ok && JSON.stringify(first.raterMessage)).toContain('Answered ✓');
    const [response] = await ctx.db.select().from(multisourceResponses).where(eq(multisourceResponses.requestId, request.id));
    expect(response).toMatchObject({ didNotWorkWith: false, comment: 'Calm and clear at the bedside.' });
    expect(await ctx.db.select().from(multisourceAnswers).where(eq(multisourceAnswers.responseId, response!.id))).toHaveLength(items.length - 1);
    // No message to the resident per answer: its timing alone would say who answered.
    expect((await snapshot(ctx.db)).outbox).toBe(outboxBefore);

    // The form reopens filled in, and a second submission replaces the first.
    const form = await openMultisourceForm({ ...ports(), requestId: request.id, actorId: ids['rosa.delgado']! });
    expect(form.fields[1]).toMatchObject({ initial: ['not_observed'] });
    expect(form.fields[0]).toMatchObject({ initial: ['4'] });
    const second = await submitMultisourceResponse({
      ...ports(),
      requestId: request.id,
      actorId: ids['rosa.delgado']!,
      answers: Object.fromEntries(items.map((id) => [id, 5])),
      comment: 'Calm, clear, and always updates the family.',
    });
    expect(second).toMatchObject({ ok: true, updated: true });
    const responses = await ctx.db.select().from(multisourceResponses).where(eq(multisourceResponses.requestId, request.id));
    expect(responses).toHaveLength(1);
    expect(responses[0]).toMatchObject({ id: response!.id, comment: 'Calm, clear, and always updates the family.' });
    const scores = await ctx.db.select().from(multisourceAnswers).where(eq(multisourceAnswers.responseId, response!.id));
    expect(scores.map((s) => s.score)).toEqual(items.map(() => 5));
  });

  it('bad input gets a clear refusal and changes nothing', async () => {
    const request = await requestOf(ctx.db, micuRound, ids['chloe.nguyen']!, ids['rosa.delgado']!);
    const items = await itemIds(ctx.db, request.instrumentId);
    const before = await snapshot(ctx.db);
    const all = (value: number | string) => Object.fromEntries(items.map((id) => [id, value]));

    const outOfRange = await submitMultisourceResponse({ ...ports(), requestId: request.id, actorId: ids['rosa.delgado']!, answers: { ...all(3), [items[0]!]: 6 } });
    expect(outOfRange).toEqual({ ok: false, fieldErrors: { [`${ITEM_FIELD_PREFIX}${items[0]}`]: '“6” is not on the scale: choose a point from 1 to 5, or “Not observed”.' } });
    const zero = await submitMultisourceResponse({ ...ports(), requestId: request.id, actorId: ids['rosa.delgado']!, answers: { ...all(3), [items[2]!]: '0' } });
    expect(zero.ok).toBe(false);
    const missing = await submitMultisourceResponse({ ...ports(), requestId: request.id, actorId: ids['rosa.delgado']!, answers: { [items[0]!]: 3 } });
    expect(missing.ok ? {} : missing.fieldErrors).toHaveProperty(`${ITEM_FIELD_PREFIX}${items[1]}`, 'Choose a point from 1 to 5, or “Not observed”.');
    const nothing = await submitMultisourceResponse({ ...ports(), requestId: request.id, actorId: ids['rosa.delgado']!, answers: all('not_observed') });
    expect(nothing.ok ? '' : Object.values(nothing.fieldErrors)[0]).toMatch(/^Choose a point for at least one question or write a comment/);
    const long = await submitMultisourceResponse({ ...ports(), requestId: request.id, actorId: ids['rosa.delgado']!, answers: all(3), comment: 'x'.repeat(3001) });
    expect(long.ok ? {} : long.fieldErrors).toHaveProperty(COMMENT_FIELD);

    // An item of another instrument (the therapist's) on the nurse's form.
    const ivys = await requestOf(ctx.db, micuRound, ids['chloe.nguyen']!, ids['ivy.tran']!);
    const [foreignItem] = await itemIds(ctx.db, ivys.instrumentId);
    const foreign = await refusal(submitMultisourceResponse({ ...ports(), requestId: request.id, actorId: ids['rosa.delgado']!, answers: { ...all(3), [foreignItem!]: 3 } }));
    expect(foreign.code).toBe('invalid_input');
    expect(foreign.userMessage).toMatch(/not on this 360 form/);

    // Someone else's request: Tom answering (or declining) in Rosa's name, Chloe answering about herself.
    const other = await refusal(submitMultisourceResponse({ ...ports(), requestId: request.id, actorId: ids['tom.becker']!, answers: all(1) }));
    expect(other).toMatchObject({ code: 'not_allowed', userMessage: 'Only the person this 360 request was sent to can answer it.' });
    expect((await refusal(declineMultisource({ ...ports(), requestId: request.id, actorId: ids['tom.becker']! }))).code).toBe('not_allowed');
    expect((await refusal(submitMultisourceResponse({ ...ports(), requestId: request.id, actorId: ids['chloe.nguyen']!, answers: all(5) }))).code).toBe('not_allowed');

    expect(await snapshot(ctx.db)).toEqual(before);
  });

  async function answer(rater: string, resident: string, score: number, comment: string | null) {
    const request = await requestOf(ctx.db, micuRound, ids[resident]!, ids[rater]!);
    const items = await itemIds(ctx.db, request.instrumentId);
    const result = await submitMultisourceResponse({
      ...ports(),
      requestId: request.id,
      actorId: ids[rater]!,
      answers: Object.fromEntries(items.map((id) => [id, score])),
      comment,
    });
    if (!result.ok) throw new Error(JSON.stringify(result.fieldErrors));
  }

  const nurses = (view: Awaited<ReturnType<typeof multisourceSummaryForResident>>) => view.summary.groups.find((g) => g.label === 'Nurses')!;

  it('hides a group below the threshold (2 raters) and shows it at the threshold (3); "did not work with" never counts', async () => {
    const chloe = ids['chloe.nguyen']!;
    // Rosa answered above (all 5s). Tom answers; Ivy (therapist) did not work with Chloe.
    await answer('tom.becker', 'chloe.nguyen', 4, 'Returns pages fast, even at night.');
    const ivys = await requestOf(ctx.db, micuRound, chloe, ids['ivy.tran']!);
    const declined = await declineMultisource({ ...ports(), requestId: ivys.id, actorId: ids['ivy.tran']! });
    expect(JSON.stringify(declined.raterMessage)).toContain('You said you did not work with Chloe Nguyen');
    expect((await ctx.db.select().from(multisourceRequests).where(eq(multisourceRequests.id, ivys.id)))[0]!.status).toBe('did_not_work_with');

    const hidden = await multisourceSummaryForResident({ db: ctx.db, residentId: chloe, viewerId: chloe });
    expect(nurses(hidden)).toEqual({ label: 'Nurses', visible: false, responses: null, subcompetencies: [], items: [], comments: [] });
    expect(JSON.stringify(hidden.message)).toContain('*Nurses* — not enough responses yet');
    expect(JSON.stringify(hidden.message)).not.toContain('Returns pages fast');

    // The same rater answering again is still one rater.
    await answer('tom.becker', 'chloe.nguyen', 4, 'Returns pages fast, even at night.');
    expect(nurses(await multisourceSummaryForResident({ db: ctx.db, residentId: chloe, viewerId: chloe })).visible).toBe(false);

    await answer('uma.iyer', 'chloe.nguyen', 3, 'Could explain plans to families in plainer words.');
    const shown = await multisourceSummaryForResident({ db: ctx.db, residentId: chloe, viewerId: chloe });
    const group = nurses(shown);
    expect(group).toMatchObject({ visible: true, responses: 3 });
    expect(group.items.length).toBeGreaterThan(0);
    expect(group.items.every((i) => i.mean === 4)).toBe(true);
    expect(group.subcompetencies.map((s) => s.code)).toEqual(expect.arrayContaining(['ICS1', 'ICS2', 'PROF1', 'PROF3', 'SBP1']));
    expect(group.subcompetencies.find((s) => s.code === 'ICS2')).toMatchObject({ name: 'Interprofessional and Team Communication', mean: 4 });
    expect([...group.comments].sort()).toEqual(
      ['Calm, clear, and always updates the family.', 'Could explain plans to families in plainer words.', 'Returns pages fast, even at night.'].sort(),
    );
    // The order is fixed by the words, not by who answered when: asking again gives the same order.
    expect(nurses(await multisourceSummaryForResident({ db: ctx.db, residentId: chloe, viewerId: chloe })).comments).toEqual(group.comments);
    const therapists = shown.summary.groups.find((g) => g.label === 'Therapists')!;
    expect(therapists).toMatchObject({ visible: false, responses: null });
    expect(JSON.stringify(shown.message)).toContain('4.0 of 5');

    // An item only two of the three scored stays hidden inside the visible group, and its subcompetency averages
    // only the items shown: otherwise subtracting the shown item from it would give the hidden one away.
    const umas = await requestOf(ctx.db, micuRound, chloe, ids['uma.iyer']!);
    const umaItems = await itemIds(ctx.db, umas.instrumentId);
    const changed = await submitMultisourceResponse({
      ...ports(),
      requestId: umas.id,
      actorId: ids['uma.iyer']!,
      answers: Object.fromEntries(umaItems.map((id, i) => [id, i === 0 ? 'not_observed' : 3])),
      comment: 'Could explain plans to families in plainer words.',
    });
    expect(changed).toMatchObject({ ok: true, updated: true });
    const partial = nurses(await multisourceSummaryForResident({ db: ctx.db, residentId: chloe, viewerId: chloe }));
    // The nurses' first two items are both ICS2: the first (now 5 and 4 only) is hidden, the second (5, 4, 3) shown.
    expect(partial.items.slice(0, 2).map((i) => [i.subcompetency, i.mean])).toEqual([
      ['ICS2', null],
      ['ICS2', 4],
    ]);
    expect(partial.subcompetencies.find((s) => s.code === 'ICS2')?.mean).toBe(4);
    expect(partial.responses).toBe(3);

    // A program threshold of 4 hides the same three responses again.
    await ctx.db.update(programs).set({ multisourceThreshold: 4 }).where(eq(programs.id, program));
    try {
      const stricter = await multisourceSummaryForResident({ db: ctx.db, residentId: chloe, viewerId: chloe });
      expect(nurses(stricter)).toMatchObject({ visible: false, responses: null, comments: [] });
      expect(stricter.summary.threshold).toBe(4);
      const ccc = await multisourceSummaryForCcc({ ...ports(), programId: program, residentId: chloe, viewerId: ids['omar.haddad']! });
      expect(ccc.summary.groups.find((g) => g.label === 'Nurses')).toMatchObject({ visible: false, responses: 3, asked: 6, comments: [] });
    } finally {
      await ctx.db.update(programs).set({ multisourceThreshold: 3 }).where(eq(programs.id, program));
    }
  });

  it('the CCC sees counts per group and, at the threshold, the same aggregates; every read is audited', async () => {
    const chloe = ids['chloe.nguyen']!;
    const view = await multisourceSummaryForCcc({ ...ports(), programId: program, residentId: chloe, viewerId: ids['priya.raman']! });
    const byLabel = new Map(view.summary.groups.map((g) => [g.label, g]));
    // Across the period round and the MICU round Chloe's nurses were asked 6 times (3 nurses × 2 rounds).
    expect(byLabel.get('Nurses')).toMatchObject({ visible: true, responses: 3, asked: 6, didNotWorkWith: 0 });
    expect(byLabel.get('Therapists')).toMatchObject({ visible: false, responses: 0, asked: 2, didNotWorkWith: 1 });
    expect(JSON.stringify(view.message)).toContain('360 feedback: Chloe Nguyen');
    for (const viewer of ['maya.lee', 'omar.haddad']) {
      await multisourceSummaryForCcc({ ...ports(), programId: program, residentId: chloe, viewerId: ids[viewer]! });
    }
    const rows = await ctx.db.select().from(auditLog).where(eq(auditLog.action, 'multisource.summary.ccc'));
    // The stricter-threshold check above read once as Omar; these are three more.
    expect(rows.map((r) => r.actorId).sort()).toEqual([ids['omar.haddad'], ids['priya.raman'], ids['maya.lee'], ids['omar.haddad']].sort());
    expect(rows.every((r) => r.subjectId === chloe && r.subjectType === 'resident')).toBe(true);
  });

  it('refuses everyone else', async () => {
    const chloe = ids['chloe.nguyen']!;
    for (const viewer of ['isaac.mensah', 'maya.lee', 'rosa.delgado', 'omar.haddad']) {
      const error = await refusal(multisourceSummaryForResident({ db: ctx.db, residentId: chloe, viewerId: ids[viewer]! }));
      expect(error).toMatchObject({ code: 'not_allowed', userMessage: 'You can only see your own 360 feedback.' });
    }
    for (const viewer of ['victor.chen', 'grace.kim', 'rosa.delgado', 'chloe.nguyen', 'isaac.mensah']) {
      const error = await refusal(multisourceSummaryForCcc({ ...ports(), programId: program, residentId: chloe, viewerId: ids[viewer]! }));
      expect(error.code, viewer).toBe('not_allowed');
    }
    // A CCC member asking about someone who is not a resident of the program.
    expect((await refusal(multisourceSummaryForCcc({ ...ports(), programId: program, residentId: ids['rosa.delgado']!, viewerId: ids['omar.haddad']! }))).code).toBe('not_found');
    // A rater has no 360 results of their own to see.
    expect((await refusal(multisourceSummaryForResident({ db: ctx.db, residentId: ids['rosa.delgado']!, viewerId: ids['rosa.delgado']! }))).code).toBe('not_allowed');
  });

  it('no rater’s name, email or id appears anywhere in the rendered resident or CCC view', async () => {
    const chloe = ids['chloe.nguyen']!;
    const raters = await ctx.db.select().from(people).where(sql`${people.id} in ${RATERS.map((r) => ids[r]!)}`);
    expect(raters).toHaveLength(6);
    const resident = await multisourceSummaryForResident({ db: ctx.db, residentId: chloe, viewerId: chloe });
    const ccc = await multisourceSummaryForCcc({ ...ports(), programId: program, residentId: chloe, viewerId: ids['omar.haddad']! });
    // The views must have something to leak from: a visible group with comments, and hidden ones.
    expect(nurses(resident).comments).toHaveLength(3);
    const rendered = [resident, ccc].flatMap(({ message, summary }): [string, string][] => [
      ['summary data', JSON.stringify(summary)],
      ['neutral message', JSON.stringify(message)],
      ['Block Kit', JSON.stringify(renderMessage(message))],
      ['Block Kit (parts)', JSON.stringify(renderMessages(message))],
      ['Adaptive Card', JSON.stringify(renderMessageCard(message))],
      ['Adaptive Cards (parts)', JSON.stringify(renderMessageCards(message))],
    ]);
    for (const [surface, json] of rendered) {
      expect(json).toContain('Nurses');
      for (const rater of raters) {
        const lastName = rater.name.split(' ').at(-1)!;
        for (const [what, needle] of [
          ['name', rater.name],
          ['email', rater.email],
          ['email user', rater.email.split('@')[0]!],
          ['id', rater.id],
        ] as const) {
          expect(json.toLowerCase().includes(needle.toLowerCase()), `${surface} shows ${rater.name}'s ${what}`).toBe(false);
        }
        expect(new RegExp(`\\b${lastName}\\b`).test(json), `${surface} shows ${lastName}`).toBe(false);
      }
    }
  });
});
