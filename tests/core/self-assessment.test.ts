import { and, count, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { importCccRatings } from '../../src/core/ccc-ratings/import-ccc-ratings.ts';
import { openSelfAssessmentWindow } from '../../src/core/self-assessment/open-self-assessment-window.ts';
import { saveSelfAssessmentPage } from '../../src/core/self-assessment/save-self-assessment-page.ts';
import { resumeSelfAssessment, selfAssessmentPage } from '../../src/core/self-assessment/self-assessment-page.ts';
import { pageRatingsFromFormValues } from '../../src/core/self-assessment/self-assessment-state.ts';
import { selfVsCcc } from '../../src/core/self-assessment/self-vs-ccc.ts';
import { submitSelfAssessment } from '../../src/core/self-assessment/submit-self-assessment.ts';
import type { Db } from '../../src/db/client.ts';
import { auditLog, outboxMessages, programs, selfAssessmentRatings, selfAssessments } from '../../src/db/schema/index.ts';
import { SELF_ASSESSMENT_ACTIONS, SELF_ASSESSMENT_FORMS } from '../../src/messages/actions.ts';
import { type Form, type LevelGridBlock, type Message, parseForm, parseMessage } from '../../src/messages/model.ts';
import { readSelfAssessmentRef } from '../../src/messages/self-assessment.ts';
import { renderForm } from '../../src/platforms/slack/render/block-kit.ts';
import { describeOnEachEngine } from '../helpers/db.ts';
import { refusal } from '../helpers/refusal.ts';
import { demoPerson, fixedClock, seedDemoProgram } from '../helpers/demo-program.ts';

const codesOf = (form: Form) => form.fields.map((f) => f.id.replace(/^rating_/, ''));
const initialsOf = (form: Form) => Object.fromEntries(form.fields.map((f) => [f.id, f.type === 'level_picker' ? (f.initial ?? null) : null]));

async function storedRatings(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(selfAssessmentRatings);
  return row?.n ?? 0;
}

// The demo's IM 2.0 set, by page (competency order of the set).
const PAGES = [
  ['PC1', 'PC2', 'PC3', 'PC4', 'PC5', 'PC6'],
  ['MK1', 'MK2', 'MK3'],
  ['SBP1', 'SBP2', 'SBP3'],
  ['PBLI1', 'PBLI2'],
  ['PROF1', 'PROF2', 'PROF3', 'PROF4'],
  ['ICS1', 'ICS2', 'ICS3'],
];

// Ana rates herself 2 everywhere except these; the CCC rates 2 everywhere except ICS2 (3) and PROF1 (2.5).
const SELF: Record<string, string> = { PC3: '3.5', ICS2: '1', MK1: '3' };
const selfOf = (code: string) => SELF[code] ?? '2';
const pageRatings = (page: number) => Object.fromEntries(PAGES[page - 1]!.map((code) => [code, selfOf(code)]));

describeOnEachEngine('self-assessment and self vs CCC in the core', (ctx) => {
  const clock = fixedClock('2026-12-01T15:00:00Z');
  let ana: string;
  let chloe: string;
  let lee: string;
  let chen: string;
  let programId: string;
  beforeAll(async () => {
    await seedDemoProgram(ctx.db);
    ana = await demoPerson(ctx.db, 'ana.ruiz');
    chloe = await demoPerson(ctx.db, 'chloe.nguyen');
    lee = await demoPerson(ctx.db, 'maya.lee');
    chen = await demoPerson(ctx.db, 'victor.chen');
    programId = (await ctx.db.select({ id: programs.id }).from(programs))[0]!.id;
  });
  const ports = () => ({ db: ctx.db, clock });
  const mine = () => ({ ...ports(), actorId: ana, residentId: ana, periodCode: '2026-mid' });

  it('opening the window sends each resident one DM with a Start button, however often it runs', async () => {
    const first = await openSelfAssessmentWindow({ ...ports(), programId, periodCode: '2026-mid' });
    const again = await openSelfAssessmentWindow({ ...ports(), programId, periodCode: '2026-mid' });
    expect(first).toEqual({ periodCode: '2026-mid', invited: 12, alreadyInvited: 0 });
    expect(again).toEqual({ periodCode: '2026-mid', invited: 0, alreadyInvited: 12 });
    const invites = await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.kind, 'self-assessment-invite'));
    expect(invites).toHaveLength(12);
    const toAna = invites.find((m) => m.recipientPersonId === ana)!;
    const message = parseMessage(toAna.message);
    const start = message.blocks.flatMap((b) => (b.type === 'actions' ? b.buttons : [])).find((b) => b.actionId === SELF_ASSESSMENT_ACTIONS.start);
    expect(readSelfAssessmentRef(start!.payload)).toEqual({ residentId: ana, periodCode: '2026-mid' });
    expect(message.text).toContain('Mid-year 2026–27');
    expect((await refusal(openSelfAssessmentWindow({ ...ports(), programId, periodCode: '2031-mid' }))).userMessage).toBe(
      'There is no reporting period 2031-mid (known: 2026-mid, 2026-end).',
    );
  });

  it('pages the set by competency: one form per competency, page n of 6, descriptors at hand, each fitting a Slack modal', async () => {
    const started = await resumeSelfAssessment(mine());
    expect(started.page).toBe(1);
    const pages: Form[] = [];
    for (let page = 1; page <= 6; page++) pages.push(await selfAssessmentPage({ ...mine(), page }));
    expect(pages.map(codesOf)).toEqual(PAGES);
    expect(pages.map((f) => f.title)).toEqual([1, 2, 3, 4, 5, 6].map((n) => `Self-assessment ${n} of 6`));
    expect(pages[0]!.intro).toMatch(/^\*Patient Care\* — page 1 of 6 of your Mid-year 2026–27 self-assessment/);
    expect(pages.map((f) => f.submitActionId)).toEqual([...Array(5).fill(SELF_ASSESSMENT_FORMS.page), SELF_ASSESSMENT_FORMS.submit]);
    const picker = pages[0]!.fields[0]!;
    expect(picker.type === 'level_picker' && picker.allowNotObserved).toBe(false);
    expect(picker.type === 'level_picker' && Object.keys(picker.descriptors ?? {})).toEqual(['1', '2', '3', '4', '5']);
    for (const form of pages) {
      parseForm(form);
      expect(renderForm(form).blocks.length).toBeLessThanOrEqual(100);
      expect(readSelfAssessmentRef(form.payload)).toMatchObject({ residentId: ana, periodCode: '2026-mid' });
    }
    expect(readSelfAssessmentRef(pages[2]!.payload)?.page).toBe(3);
    // Nothing is stored just by looking.
    expect(await ctx.db.select().from(selfAssessments)).toHaveLength(0);
  });

  it('survives an interruption: pages 1–2 saved, coming back resumes at page 3 with the earlier ratings kept', async () => {
    const first = await saveSelfAssessmentPage({ ...mine(), page: 1, ratings: pageRatings(1) });
    expect(first.ok && first.next?.page).toBe(2);
    expect(first.ok && first.rated).toBe(6);
    // The adapter reads the next page's submission through the form's own field ids.
    const second = await saveSelfAssessmentPage({ ...mine(), page: 2, ratings: pageRatingsFromFormValues({ rating_MK1: '3', rating_MK2: '2', rating_MK3: '2' }) });
    expect(second).toMatchObject({ ok: true, page: 2, rated: 9, total: 21 });
    // …the resident closes the modal here, and comes back a day later.
    clock.set('2026-12-02T09:00:00Z');
    const resumed = await resumeSelfAssessment(mine());
    expect(resumed.page).toBe(3);
    expect(codesOf(resumed.form)).toEqual(PAGES[2]);
    expect(resumed.form.intro).toContain('9 of 21 rated so far');
    expect(initialsOf(await selfAssessmentPage({ ...mine(), page: 1 }))).toEqual({
      rating_PC1: '2', rating_PC2: '2', rating_PC3: '3.5', rating_PC4: '2', rating_PC5: '2', rating_PC6: '2',
    });
    expect(initialsOf(await selfAssessmentPage({ ...mine(), page: 2 }))).toEqual({ rating_MK1: '3', rating_MK2: '2', rating_MK3: '2' });
    // A page left half done is where the resident resumes, with its one rating kept.
    await saveSelfAssessmentPage({ ...mine(), page: 3, ratings: { SBP1: '2' } });
    const again = await resumeSelfAssessment(mine());
    expect(again.page).toBe(3);
    expect(initialsOf(again.form)).toEqual({ rating_SBP1: '2', rating_SBP2: null, rating_SBP3: null });
  });

  it("refuses a payload for someone else's self-assessment and changes nothing", async () => {
    const before = await storedRatings(ctx.db);
    const chloeActing = { ...ports(), actorId: chloe, residentId: ana, periodCode: '2026-mid' };
    for (const attempt of [
      selfAssessmentPage({ ...chloeActing, page: 1 }),
      resumeSelfAssessment(chloeActing),
      saveSelfAssessmentPage({ ...chloeActing, page: 1, ratings: { PC1: '5' } }),
      submitSelfAssessment({ ...chloeActing, ratings: pageRatings(6) }),
    ]) {
      const error = await refusal(attempt);
      expect(error.code).toBe('not_allowed');
      expect(error.userMessage).toBe('This self-assessment belongs to someone else; only they can open it.');
    }
    expect(await storedRatings(ctx.db)).toBe(before);
    expect(initialsOf(await selfAssessmentPage({ ...mine(), page: 1 })).rating_PC1).toBe('2');
  });

  it('refuses levels off the scale (and "not observed") beside their pickers, storing nothing of the page', async () => {
    const before = await storedRatings(ctx.db);
    const result = await saveSelfAssessmentPage({ ...mine(), page: 4, ratings: { PBLI1: '6', PBLI2: 'not_observed' } });
    expect(result).toEqual({
      ok: false,
      fieldErrors: {
        rating_PBLI1: 'That is not a level on the milestone scale: pick Not yet Level 1, or Level 1 to 5 (half levels allowed).',
        rating_PBLI2: '“Not observed” is for faculty; rate yourself on every milestone, “Not yet Level 1” included.',
      },
    });
    const mixed = await saveSelfAssessmentPage({ ...mine(), page: 4, ratings: { PBLI1: '3', PBLI2: '0.5' } });
    expect(mixed.ok ? [] : Object.keys(mixed.fieldErrors)).toEqual(['rating_PBLI2']);
    expect(await storedRatings(ctx.db)).toBe(before);
    // A code from another page is a broken payload, not a form mistake.
    expect((await refusal(saveSelfAssessmentPage({ ...mine(), page: 4, ratings: { PC1: '3' } }))).code).toBe('invalid_input');
    expect((await refusal(selfAssessmentPage({ ...mine(), page: 7 }))).userMessage).toBe('The self-assessment has pages 1 to 6; there is no page 7.');
    expect(await storedRatings(ctx.db)).toBe(before);
  });

  it('refuses to submit until every subcompetency is rated, naming the missing ones, and keeps the last page', async () => {
    const early = await submitSelfAssessment({ ...mine(), ratings: pageRatings(6) });
    expect(early.ok).toBe(false);
    if (early.ok) return;
    expect(early.missing.map((m) => m.code)).toEqual(['SBP2', 'SBP3', 'PBLI1', 'PBLI2', 'PROF1', 'PROF2', 'PROF3', 'PROF4']);
    expect(early.resumePage).toBe(3);
    expect(Object.keys(early.fieldErrors)).toEqual(['rating_ICS1']);
    expect(early.fieldErrors.rating_ICS1).toBe(
      'Still unrated on other pages: SBP2 System Navigation for Patient-Centered Care (page 3), SBP3 Physician Role in Health Care Systems (page 3), ' +
        'PBLI1 Evidence-Based and Informed Practice (page 4), PBLI2 Reflective Practice and Commitment to Personal Growth (page 4), ' +
        'PROF1 Professional Behavior (page 5), PROF2 Ethical Principles (page 5), PROF3 Accountability/Conscientiousness (page 5), ' +
        'PROF4 Knowledge of Systemic and Individual Factors of Well-Being (page 5). This page is saved; rate those, then submit.',
    );
    const [row] = await ctx.db.select().from(selfAssessments);
    expect(row).toMatchObject({ status: 'in_progress', submittedAt: null });
    expect(initialsOf(await selfAssessmentPage({ ...mine(), page: 6 }))).toEqual({ rating_ICS1: '2', rating_ICS2: '1', rating_ICS3: '2' });
    // A picker left empty on the submitted page is marked where it is.
    for (const page of [3, 4, 5]) await saveSelfAssessmentPage({ ...mine(), page, ratings: pageRatings(page) });
    const oneEmpty = await submitSelfAssessment({ ...mine(), ratings: { ...pageRatings(6), ICS3: null } });
    expect(oneEmpty.ok ? {} : oneEmpty.fieldErrors).toEqual({ rating_ICS3: 'Pick a level for this milestone before submitting.' });
    expect((await resumeSelfAssessment(mine())).page).toBe(6);
  });

  it('submits once complete; a retried submission finds it, a change afterwards is refused', async () => {
    const done = await submitSelfAssessment({ ...mine(), ratings: pageRatings(6) });
    expect(done).toMatchObject({ ok: true, alreadySubmitted: false });
    expect(done.ok && done.confirmation.text).toBe('Your Mid-year 2026–27 self-assessment is submitted.');
    const retried = await submitSelfAssessment({ ...mine(), ratings: pageRatings(6) });
    expect(retried).toMatchObject({ ok: true, alreadySubmitted: true });
    const [row] = await ctx.db.select().from(selfAssessments);
    expect(row?.status).toBe('submitted');
    expect(await storedRatings(ctx.db)).toBe(21);
    expect((await refusal(saveSelfAssessmentPage({ ...mine(), page: 1, ratings: { PC1: '5' } }))).code).toBe('already_closed');
    expect((await refusal(resumeSelfAssessment(mine()))).userMessage).toBe('You submitted your Mid-year 2026–27 self-assessment on Wed, Dec 2 ✓');
    // The adapter may still rebuild the last page to read a retried submission.
    expect((await selfAssessmentPage({ ...mine(), page: 6, toReadSubmission: true })).title).toBe('Self-assessment 6 of 6');
  });

  it('shows self vs CCC only after the CCC has rated, largest gaps first, to the resident, PD and mentor only', async () => {
    const waiting = await selfVsCcc({ db: ctx.db, residentId: ana, periodCode: '2026-mid', viewerId: ana });
    expect(waiting.text).toBe('The CCC has not rated you for Mid-year 2026–27 yet.');
    const ccc: Record<string, string> = { ICS2: '3', PROF1: '2.5' };
    const csv = ['program,period,resident_email,subcompetency,rating', ...PAGES.flat().map((code) => `internal-medicine,2026-mid,ana.ruiz@stelsewhere.example.org,${code},${ccc[code] ?? '2'}`)];
    const imported = await importCccRatings({ db: ctx.db, text: `${csv.join('\n')}\n`, file: 'ccc.csv', dryRun: false });
    expect(imported).toMatchObject({ ok: true, summary: { 'CCC ratings': { created: 21 } } });

    const message: Message = await selfVsCcc({ db: ctx.db, residentId: ana, periodCode: '2026-mid', viewerId: ana });
    parseMessage(message);
    const grid = message.blocks.find((b): b is LevelGridBlock => b.type === 'level_grid')!;
    expect(grid.series).toEqual([{ key: 'self', label: 'Self' }, { key: 'ccc', label: 'CCC' }]);
    expect(grid.rows.map((r) => r.code)).toEqual(['ICS2', 'PC3', 'MK1', 'PROF1', ...PAGES.flat().filter((c) => !['ICS2', 'PC3', 'MK1', 'PROF1'].includes(c))]);
    expect(grid.rows[0]).toEqual({ code: 'ICS2', name: 'Interprofessional and Team Communication (self 2 levels below CCC)', ratings: { self: '1', ccc: '3' } });
    expect(grid.rows[1]?.name).toBe('Clinical Reasoning (self 1.5 levels above CCC)');
    const text = JSON.stringify(message);
    expect(text).toContain('You rated yourself higher than the CCC on *2*, lower on *2* and the same on *17* of 21 subcompetencies.');
    expect(text).toContain('Largest gap: *ICS2 Interprofessional and Team Communication* — you Level 1, CCC Level 3.');
    expect(text).toContain('Talk these over with Maya Lee, your program director and mentor.');
    expect(message.blocks.some((b) => b.type === 'actions' && b.buttons.some((x) => x.actionId === SELF_ASSESSMENT_ACTIONS.goalsFromGaps))).toBe(true);

    // The program director sees the same grid in the third person, without the resident's buttons, and the read is recorded.
    const asPd = await selfVsCcc({ db: ctx.db, residentId: ana, periodCode: '2026-mid', viewerId: lee });
    expect(asPd.blocks.find((b) => b.type === 'level_grid')).toEqual(grid);
    expect(JSON.stringify(asPd)).toContain('*Talk these over with Ana.* Start with the largest gaps (ICS2, PC3, MK1)');
    expect(asPd.blocks.some((b) => b.type === 'actions')).toBe(false);
    const audits = await ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'read.self_vs_ccc'), eq(auditLog.actorId, lee)));
    expect(audits).toMatchObject([{ subjectType: 'resident', subjectId: ana, details: { audience: 'program_director', period: '2026-mid' } }]);

    for (const stranger of [chen, chloe]) {
      const error = await refusal(selfVsCcc({ db: ctx.db, residentId: ana, periodCode: '2026-mid', viewerId: stranger }));
      expect(error).toMatchObject({ code: 'not_allowed', userMessage: 'Only Ana Ruiz, their program director and their mentor can see this.' });
    }
  });

  it('keeps the CCC ratings out of sight until the resident has submitted', async () => {
    const csv = 'program,period,resident_email,subcompetency,rating\ninternal-medicine,2026-mid,chloe.nguyen@stelsewhere.example.org,PC1,2\n';
    expect((await importCccRatings({ db: ctx.db, text: csv, file: 'chloe.csv', dryRun: false })).ok).toBe(true);
    const own = await selfVsCcc({ db: ctx.db, residentId: chloe, periodCode: '2026-mid', viewerId: chloe });
    expect(own.text).toBe('Submit your Mid-year 2026–27 self-assessment to compare it with the CCC.');
    expect(own.blocks.some((b) => b.type === 'level_grid')).toBe(false);
  });
});
