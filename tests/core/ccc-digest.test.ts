import { and, asc, eq, like } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCccDigest, type CccDigest, type DigestResident } from '../../src/core/ccc-digest/build-ccc-digest.ts';
import { cccDigestHeaderKey, postCccDigest } from '../../src/core/ccc-digest/post-ccc-digest.ts';
import { auditLog, cccMeetings, outboxMessages, people, programMemberships, programs, reportingPeriods } from '../../src/db/schema/index.ts';
import { addDays } from '../../src/domain/calendar.ts';
import { runDailyJobs } from '../../src/scheduler/daily-jobs.ts';
import { cccDigestMessages } from '../../src/messages/ccc-digest.ts';
import { type Message, parseMessage } from '../../src/messages/model.ts';
import { renderMessages, SLACK_LIMITS } from '../../src/platforms/slack/render/block-kit.ts';
import { type CccDigestProgram, seedCccDigestProgram } from '../helpers/ccc-digest-program.ts';
import { describeOnEachEngine } from '../helpers/db.ts';
import { fixedClock, seedDemoProgram } from '../helpers/demo-program.ts';
import { refusal } from '../helpers/refusal.ts';

const flagsOf = (digest: CccDigest, kind: string) =>
  digest.residents.flatMap((r) => r.flags.filter((f) => f.kind === kind).map((f) => `${r.name}${'code' in f ? `:${f.code}` : ''}`)).sort();

describeOnEachEngine('CCC digest', (ctx) => {
  // A week before the mid-year meeting, as the scheduler posts it.
  const clock = fixedClock('2027-01-08T15:00:00Z');
  let seeded: CccDigestProgram;
  let digest: CccDigest;
  beforeAll(async () => {
    seeded = await seedCccDigestProgram(ctx.db);
    digest = await buildCccDigest({ db: ctx.db, clock, programId: seeded.programId, periodCode: '2026-mid' });
  });

  it('flags below the expected band, declining, low 360 and few direct observations for the right residents only', () => {
    expect(flagsOf(digest, 'below_expected')).toEqual(['Elena Petrova:PC3']);
    expect(flagsOf(digest, 'declining')).toEqual(['Farah Haddad:MK1', 'Isaac Mensah:PC1']);
    expect(flagsOf(digest, 'low_multisource')).toEqual(['Isaac Mensah:PROF1']);
    expect(flagsOf(digest, 'few_direct_observations')).toEqual(
      ['Ana Ruiz', 'Dev Patel', 'Gabe Lindqvist', 'Hana Sato', 'Julia Costa', 'Kenji Watanabe', 'Lena Fischer'].sort(),
    );
    const elena = digest.residents.find((r) => r.name === 'Elena Petrova')!;
    expect(elena.flags[0]).toEqual({ kind: 'below_expected', code: 'PC3', name: 'Clinical Reasoning', median: 2, expected: 2.5 });
    const farah = digest.residents.find((r) => r.name === 'Farah Haddad')!;
    expect(farah.flags.find((f) => f.kind === 'declining')).toMatchObject({ current: 2.5, previous: 3 });
    const isaac = digest.residents.find((r) => r.name === 'Isaac Mensah')!;
    expect(isaac.flags.find((f) => f.kind === 'low_multisource')).toMatchObject({ group: 'nurse', mean: 2.3 });
    expect(isaac.flags.find((f) => f.kind === 'declining')).toMatchObject({ code: 'PC1', current: 3.5, previous: 4 });
  });

  it('flags a subcompetency without evidence, counting visible 360 answers as evidence and hidden ones not', () => {
    const noEvidence = (name: string) =>
      digest.residents.find((r) => r.name === name)!.flags.flatMap((f) => (f.kind === 'no_evidence' ? [f.code] : []));
    expect(noEvidence('Elena Petrova')).not.toContain('PC3');
    expect(noEvidence('Elena Petrova')).toContain('PROF4');
    expect(noEvidence('Elena Petrova')).toHaveLength(19);
    // Isaac: PC1 from faculty; PROF1 and ICS2 from the nurses (three raters). The pharmacist alone shows nothing.
    expect(noEvidence('Isaac Mensah')).not.toEqual(expect.arrayContaining(['PC1']));
    expect(noEvidence('Isaac Mensah')).not.toContain('PROF1');
    expect(noEvidence('Isaac Mensah')).not.toContain('ICS2');
    expect(noEvidence('Isaac Mensah')).toHaveLength(18);
    expect(noEvidence('Dev Patel')).toHaveLength(21);
  });

  it('puts flagged residents first, most flagged at the top, and totals the evidence in the header', () => {
    expect(digest.totals).toMatchObject({ residents: 12, flagged: 10, multisourceResponses: 4 });
    expect(digest.totals.evidence).toEqual({ rotationEvaluations: 1, requested: 0, unsolicited: 16, directObservations: 16, ratings: 22 });
    expect(digest.totals.multisourceByGroup).toEqual([
      { group: 'nurse', label: 'Nurses', responses: 3 },
      { group: 'pharmacist', label: 'Pharmacists', responses: 1 },
    ]);
    const order = digest.residents.map((r) => [r.name, r.flagged]);
    expect(order.slice(0, 10).every(([, flagged]) => flagged)).toBe(true);
    expect(order.slice(10)).toEqual([
      ['Ben Okafor', false],
      ['Chloe Nguyen', false],
    ]);
    // Isaac has three pressing flags (declining, low 360, and none else); he leads.
    expect(order[0]).toEqual(['Isaac Mensah', true]);
  });

  it('counts each source once in its period: a January evaluation of a July block is mid-year, February feedback is not', () => {
    const elena = digest.residents.find((r) => r.name === 'Elena Petrova')!;
    expect(elena.evidence).toEqual({ rotationEvaluations: 1, requested: 0, unsolicited: 2, directObservations: 3, ratings: 5 });
    expect(elena.subcompetencies.find((s) => s.code === 'PC3')).toMatchObject({ ratings: 3, suggested: 2 });
    expect(elena.narratives.map((n) => [n.kind, n.text, n.on])).toEqual([
      ['reinforcing', 'Elena keeps her patients’ families informed.', '2026-09-10'],
      ['corrective', 'Elena should commit to a leading diagnosis.', '2026-09-10'],
      ['corrective', 'Elena’s July sign-outs missed contingencies.', '2026-07-31'],
    ]);
    expect(JSON.stringify(digest)).not.toContain('Too late to count');
  });

  it('reports a group below the threshold as a count only, and names no rater anywhere', () => {
    const isaac = digest.residents.find((r) => r.name === 'Isaac Mensah')!;
    expect(isaac.multisource).toEqual([
      {
        group: 'nurse',
        label: 'Nurses',
        asked: 3,
        responses: 3,
        didNotWorkWith: 0,
        visible: true,
        subcompetencies: [
          { code: 'PROF1', name: 'Professional Behavior', mean: 2.3 },
          { code: 'ICS2', name: expect.any(String), mean: 4 },
        ],
      },
      { group: 'pharmacist', label: 'Pharmacists', asked: 1, responses: 1, didNotWorkWith: 0, visible: false, subcompetencies: [] },
    ]);
    const everything = JSON.stringify([digest, cccDigestMessages(digest)]);
    for (const word of ['Rosa', 'Delgado', 'Becker', 'Uma Iyer', 'Nadia', 'Karim', 'says hello']) expect(everything).not.toContain(word);
  });

  it('draws a trend over the periods the resident was in the program, with the expected level', () => {
    const farah = digest.residents.find((r) => r.name === 'Farah Haddad')!;
    expect(farah.trend.periods).toEqual(['2025-end', '2026-mid']);
    expect(farah.trend.expected).toEqual([2, 2.5]);
    expect(farah.trend.lines[0]).toEqual({ code: 'MK1', name: 'Applied Foundational Sciences', levels: [3, 2.5] });
    const ana = digest.residents.find((r) => r.name === 'Ana Ruiz')!;
    expect(ana.trend.periods).toEqual(['2026-mid']);
    expect(ana.expectedLevel).toBe(1.5);
  });

  it('builds messages within Slack limits: one header, one reply per resident with a chart described in words', () => {
    const messages = cccDigestMessages(digest);
    expect(messages.header.text).toContain('12 residents, 10 flagged');
    expect(messages.residents.map((r) => r.residentId)).toEqual(digest.residents.map((r) => r.residentId));
    const check = (m: Message) => {
      expect(parseMessage(JSON.parse(JSON.stringify(m)))).toEqual(m);
      const parts = renderMessages(m);
      expect(parts).toHaveLength(1);
      expect(parts[0]!.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.messageBlocks);
    };
    check(messages.header);
    for (const resident of messages.residents) {
      check(resident.message);
      const charts = resident.message.blocks.filter((b) => b.type === 'chart');
      expect(charts).toHaveLength(1);
    }
    const farah = messages.residents.find((r) => r.residentId === seeded.ids.farah)!.message;
    const chart = farah.blocks.find((b) => b.type === 'chart')!;
    expect(chart.type === 'chart' && chart.altText).toContain('MK1 3 → 2.5');
    const words = JSON.stringify(farah.blocks.filter((b) => b.type !== 'chart'));
    expect(words).toContain('MK1* declining: 2.5 this period, 3 last period');
  });

  describe('posting', () => {
    it('enqueues the header to the CCC channel and one thread reply per resident, flagged first, once', async () => {
      const first = await postCccDigest({ db: ctx.db, clock, programId: seeded.programId, periodCode: '2026-mid' });
      expect(first).toEqual({ residents: 12, flagged: 10, enqueued: 13 });
      const rows = await ctx.db
        .select()
        .from(outboxMessages)
        .where(like(outboxMessages.idempotencyKey, `ccc-digest:${seeded.programId}:2026-mid:%`))
        .orderBy(asc(outboxMessages.createdAt), asc(outboxMessages.id));
      const headerKey = cccDigestHeaderKey(seeded.programId, '2026-mid');
      expect(rows[0]).toMatchObject({
        idempotencyKey: headerKey,
        kind: 'ccc-digest-header',
        platform: 'slack',
        recipientChannelId: 'C0CCCDEMO01',
        recipientPersonId: null,
        programId: seeded.programId,
        threadParentKey: null,
      });
      const replies = rows.slice(1);
      expect(replies).toHaveLength(12);
      for (const reply of replies) {
        expect(reply).toMatchObject({ kind: 'ccc-digest-resident', threadParentKey: headerKey, recipientChannelId: 'C0CCCDEMO01', programId: seeded.programId });
      }
      expect(replies.map((r) => r.idempotencyKey)).toEqual(digest.residents.map((r) => `ccc-digest:${seeded.programId}:2026-mid:resident:${r.residentId}`));

      const again = await postCccDigest({ db: ctx.db, clock, programId: seeded.programId, periodCode: '2026-mid' });
      expect(again).toEqual({ residents: 12, flagged: 10, enqueued: 0 });
      // Everyone's assessments left for the channel once, and the audit log says so once.
      const audits = await ctx.db.select().from(auditLog).where(eq(auditLog.action, 'ccc_digest.post'));
      expect(audits).toHaveLength(1);
      expect(audits[0]).toMatchObject({ channel: 'scheduler', subjectType: 'program', subjectId: seeded.programId, details: { period: '2026-mid', platform: 'slack', channel: 'C0CCCDEMO01', residents: 12, flagged: 10 } });
    });

    it('refuses without a CCC channel, saying how to set one, and enqueues nothing', async () => {
      await ctx.db.update(programs).set({ cccSlackChannelId: null }).where(eq(programs.id, seeded.programId));
      const before = await ctx.db.select().from(outboxMessages);
      const error = await refusal(postCccDigest({ db: ctx.db, clock, programId: seeded.programId, periodCode: '2026-end' }));
      expect(error.userMessage).toMatch(/has no CCC channel.*ccc\.slack_channel.*import programs/);
      expect(await ctx.db.select().from(outboxMessages)).toHaveLength(before.length);
      await ctx.db.update(programs).set({ cccSlackChannelId: 'C0CCCDEMO01' }).where(eq(programs.id, seeded.programId));
    });

    it('the daily job without a CCC channel tells the coordinator once per period, in time, instead of failing', async () => {
      const [end] = await ctx.db
        .select({ meetsOn: cccMeetings.meetsOn })
        .from(cccMeetings)
        .innerJoin(reportingPeriods, eq(reportingPeriods.id, cccMeetings.periodId))
        .where(and(eq(cccMeetings.programId, seeded.programId), eq(reportingPeriods.code, '2026-end')));
      expect(end).toBeDefined();
      await ctx.db.update(programs).set({ cccSlackChannelId: null }).where(eq(programs.id, seeded.programId));
      const [program] = await ctx.db.select().from(programs).where(eq(programs.id, seeded.programId));
      const day = (offset: number) => addDays(end!.meetsOn, offset);
      for (const [date, instance] of [[day(-7), 'i1'], [day(-6), 'i1'], [day(-5), 'i2']] as const) {
        const [outcome] = await runDailyJobs({ db: ctx.db, clock, program: program!, date, instance, only: ['ccc-digest'] });
        expect(outcome).toMatchObject({ job: 'ccc-digest', status: 'ran', result: { posted: 0, warned: date === day(-7) ? 1 : 0 } });
      }
      const notices = await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.kind, 'ccc-channel-missing'));
      const coordinators = await ctx.db
        .select({ id: programMemberships.personId })
        .from(programMemberships)
        .where(and(eq(programMemberships.programId, seeded.programId), eq(programMemberships.role, 'coordinator')));
      expect(coordinators.length).toBeGreaterThan(0);
      expect(notices.map((n) => n.recipientPersonId).sort()).toEqual(coordinators.map((c) => c.id).sort());
      const text = JSON.stringify(parseMessage(notices[0]!.message));
      expect(text).toContain('no CCC channel');
      expect(text).toContain('ccc.slack_channel');
      expect(await ctx.db.select().from(outboxMessages).where(like(outboxMessages.idempotencyKey, `ccc-digest:${seeded.programId}:2026-end:%`))).toEqual([]);
      await ctx.db.update(programs).set({ cccSlackChannelId: 'C0CCCDEMO01' }).where(eq(programs.id, seeded.programId));
    });

    it('the daily job of a Teams program posts to its CCC team channel, and without one tells the coordinator what to add', async () => {
      const [end] = await ctx.db
        .select({ meetsOn: cccMeetings.meetsOn })
        .from(cccMeetings)
        .innerJoin(reportingPeriods, eq(reportingPeriods.id, cccMeetings.periodId))
        .where(and(eq(cccMeetings.programId, seeded.programId), eq(reportingPeriods.code, '2026-end')));
      const day = (offset: number) => addDays(end!.meetsOn, offset);
      const channel = '19:ccc-im@thread.tacv2';
      // The Slack channel stays set: a Teams program posts to its Teams channel, or warns, whatever Slack has. (The
      // test before ran the job on days -7 to -5, whose runs are claimed.)
      await ctx.db.update(programs).set({ chatPlatform: 'teams', cccTeamsConversationId: null }).where(eq(programs.id, seeded.programId));
      // The test before already told the coordinator about this period (in Slack's words); start that over.
      await ctx.db.delete(outboxMessages).where(like(outboxMessages.idempotencyKey, `ccc-digest-no-channel:${seeded.programId}:2026-end:%`));
      let [program] = await ctx.db.select().from(programs).where(eq(programs.id, seeded.programId));
      const [warned] = await runDailyJobs({ db: ctx.db, clock, program: program!, date: day(-4), instance: 'i1', only: ['ccc-digest'] });
      expect(warned).toMatchObject({ status: 'ran', result: { posted: 0, warned: 1 } });
      const [notice] = await ctx.db.select().from(outboxMessages).where(like(outboxMessages.idempotencyKey, `ccc-digest-no-channel:${seeded.programId}:2026-end:%`));
      expect(JSON.stringify(parseMessage(notice!.message))).toContain('ccc.teams_conversation');

      await ctx.db.update(programs).set({ cccTeamsConversationId: channel }).where(eq(programs.id, seeded.programId));
      [program] = await ctx.db.select().from(programs).where(eq(programs.id, seeded.programId));
      const [posted] = await runDailyJobs({ db: ctx.db, clock, program: program!, date: day(-3), instance: 'i1', only: ['ccc-digest'] });
      expect(posted).toMatchObject({ status: 'ran', result: { posted: 1, warned: 0 } });
      const [header] = await ctx.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, cccDigestHeaderKey(seeded.programId, '2026-end')));
      expect(header).toMatchObject({ platform: 'teams', recipientChannelId: channel });
      await ctx.db.update(programs).set({ chatPlatform: 'slack', cccTeamsConversationId: null }).where(eq(programs.id, seeded.programId));
    });

    it('refuses an unknown period with the codes that exist', async () => {
      const error = await refusal(buildCccDigest({ db: ctx.db, clock, programId: seeded.programId, periodCode: '2031-mid' }));
      expect(error.userMessage).toContain('2026-mid');
    });
  });
});

describeOnEachEngine('CCC digest of a fellowship', (ctx) => {
  it('counts a fellow’s year from the fellowship’s entry PGY, so PGY-4 fellows are first-years of a three-year program', async () => {
    await seedDemoProgram(ctx.db);
    const [im] = await ctx.db.select().from(programs);
    const [fellowship] = await ctx.db
      .insert(programs)
      .values({
        institutionId: im!.institutionId,
        slug: 'cardiology',
        name: 'St. Elsewhere Cardiovascular Disease Fellowship',
        specialty: 'Cardiovascular Disease',
        timeZone: 'America/Chicago',
        milestoneSetCode: im!.milestoneSetCode,
        milestoneSetVersion: im!.milestoneSetVersion,
      })
      .returning();
    await ctx.db.insert(reportingPeriods).values({ programId: fellowship!.id, academicYear: 2026, kind: 'mid_year', code: '2026-mid', startsOn: '2026-07-01', endsOn: '2026-12-31' });
    const fellows = await ctx.db
      .insert(people)
      .values([4, 5, 6].map((pgy) => ({ institutionId: im!.institutionId, email: `fellow${pgy}@stelsewhere.example.org`, name: `Fellow Pgy${pgy}` })))
      .returning();
    await ctx.db.insert(programMemberships).values(fellows.map((f, i) => ({ programId: fellowship!.id, personId: f.id, role: 'fellow' as const, pgy: 4 + i })));
    const digest = await buildCccDigest({ db: ctx.db, clock: fixedClock('2026-12-08T15:00:00Z'), programId: fellowship!.id, periodCode: '2026-mid' });
    expect(digest.programYears).toBe(3);
    expect(digest.residents.map((r) => [r.name, r.pgy, r.expectedLevel]).sort()).toEqual([
      ['Fellow Pgy4', 4, 1.5],
      ['Fellow Pgy5', 5, 2.5],
      ['Fellow Pgy6', 6, 3.5],
    ]);
  });
});

describe('CCC digest messages at their largest', () => {
  it('keep every flag and stay within Slack limits for a resident flagged on every subcompetency', () => {
    const codes = Array.from({ length: 21 }, (_, i) => `PC${i + 1}`);
    const long = 'x'.repeat(3000);
    const resident: DigestResident = {
      residentId: 'r1',
      name: `Resident ${'With A Very Long Name '.repeat(10)}`,
      pgy: 2,
      expectedLevel: 3,
      flagged: true,
      flags: [
        ...codes.map((code) => ({ kind: 'below_expected' as const, code, name: `${code} ${long.slice(0, 200)}`, median: 1, expected: 3 })),
        ...codes.map((code) => ({ kind: 'declining' as const, code, name: code, current: 1, previous: 2 })),
        ...codes.map((code) => ({ kind: 'low_multisource' as const, code, name: code, group: 'nurse', groupLabel: 'Nurses', mean: 1.2 })),
        { kind: 'few_direct_observations' as const, count: 0, minimum: 3 },
      ],
      evidence: { rotationEvaluations: 1, requested: 0, unsolicited: 0, directObservations: 0, ratings: 21 },
      ratingsByCompetency: [{ code: 'PC', name: 'Patient Care', ratings: 21 }],
      multisource: [],
      subcompetencies: codes.map((code) => ({ code, name: `${code} ${long.slice(0, 200)}`, competencyCode: 'PC', ratings: 1, suggested: 1, previous: 2, self: 4 })),
      selfAssessmentSubmitted: true,
      selfGaps: [],
      narratives: [
        { kind: 'reinforcing', text: long, source: 'rotation_evaluation', on: '2026-10-31' },
        { kind: 'corrective', text: long, source: 'request', on: '2026-10-01' },
        { kind: 'corrective', text: long, source: 'unsolicited', on: '2026-09-01' },
      ],
      learningPlan: { open: 1, overdue: 1, done: 0, dropped: 0, nextDueOn: '2026-12-01' },
      trend: { periods: ['2025-end', '2026-mid'], lines: codes.slice(0, 8).map((code) => ({ code, name: code, levels: [2, 1] })), expected: [2, 2.5] },
    };
    const digest = {
      program: { id: 'p', slug: 'im', name: 'IM', specialty: 'Internal Medicine', cccChannel: 'C1' },
      period: { id: 'x', code: '2026-mid', kind: 'mid_year' as const, academicYear: 2026, label: 'Mid-year 2026–27', startsOn: '2026-07-01', endsOn: '2026-12-31' },
      builtOn: '2026-12-08',
      programYears: 3,
      multisourceThreshold: 3,
      totals: { residents: 1, flagged: 1, evidence: resident.evidence, multisourceResponses: 0, multisourceByGroup: [] },
      residents: [resident],
    } satisfies CccDigest;
    const { residents } = cccDigestMessages(digest);
    const parts = renderMessages(residents[0]!.message);
    const text = JSON.stringify(parts);
    for (const part of parts) {
      expect(part.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.messageBlocks);
      for (const block of part.blocks) {
        const section = block as { text?: { text: string }; fields?: { text: string }[] };
        if (section.text) expect(section.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
        for (const field of section.fields ?? []) expect(field.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionFieldText);
      }
    }
    // Every flag survives whole (63 subcompetency flags and the observation one); only the long excerpts are cut.
    expect(text.match(/below the expected band/g)).toHaveLength(21);
    expect(text.match(/declining: 1 this period/g)).toHaveLength(21);
    expect(text.match(/low 360 from nurses/g)).toHaveLength(21);
    expect(text).toContain('Few direct observations: 0 this period');
    expect(text).toContain('…');
  });
});
