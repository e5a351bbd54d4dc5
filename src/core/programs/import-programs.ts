import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { cccMeetings, institutions, programs, reportingPeriods } from '../../db/schema/index.ts';
import { isValidTimeZone, periodCodeOf, reportingPeriodsOf } from '../../domain/periods.ts';
import { applyImport } from '../imports/apply.ts';
import type { ImportResult } from '../imports/problems.ts';
import { tally } from '../imports/problems.ts';
import { parseStructuredFile } from '../imports/structured.ts';

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes, like "internal-medicine"');
const isoDate = z.iso.date('must be a date written YYYY-MM-DD');

const programSchema = z.object({
  slug,
  name: z.string().trim().min(1, 'must not be empty'),
  specialty: z.string().trim().min(1, 'must not be empty'),
  time_zone: z.string().refine(isValidTimeZone, 'must be an IANA time zone such as America/Chicago'),
  milestone_set: z
    .string()
    .regex(/^[A-Z0-9-]+ \S+$/, 'must be a set code and version, like "IM 2.0"')
    .optional(),
  multisource_threshold: z.number().int().min(3, 'must be at least 3, so 360 raters stay anonymous').default(3),
  /** Days after which a resident's unanswered feedback request expires (the resident is told). */
  request_expiry_days: z.number().int().min(1, 'must be between 1 and 90 days').max(90, 'must be between 1 and 90 days').default(14),
  /** Days before each CCC meeting that its digest is posted to the CCC channel. */
  ccc_digest_lead_days: z.number().int().min(0, 'must be between 0 and 60 days').max(60, 'must be between 0 and 60 days').default(7),
  /** Where the program's people are messaged before they have used the bot: slack (default) or teams. */
  platform: z.enum(['slack', 'teams'], { message: 'must be slack or teams' }).default('slack'),
  academic_years: z.array(z.number().int().min(2000).max(2100)).default([]),
  ccc: z
    .object({
      slack_channel: z.string().regex(/^[CG][A-Z0-9]{6,}$/, 'must be a Slack channel id like C0123456789').optional(),
      teams_conversation: z.string().min(1).optional(),
      meetings: z.array(isoDate).default([]),
    })
    .default({ meetings: [] }),
});

/** The file format of `stepping-stones import programs FILE`. */
export const programsFileSchema = z.object({
  institution: z.object({ slug, name: z.string().trim().min(1, 'must not be empty') }),
  programs: z.array(programSchema).min(1, 'must list at least one program'),
});

/** Creates or updates the institution, its programs, their reporting periods and CCC meeting dates. */
export async function importPrograms(input: { db: Db; text: string; file: string; dryRun: boolean }): Promise<ImportResult> {
  const parsed = parseStructuredFile(input.text, input.file, programsFileSchema);
  if (!parsed.ok) return parsed;
  const { data, lineOf } = parsed;
  const seen = new Set<string>();
  for (const [index, program] of data.programs.entries()) {
    if (seen.has(program.slug)) {
      const line = lineOf(['programs', index, 'slug']);
      return {
        ok: false,
        problems: [{ file: input.file, ...(line ? { line } : {}), field: 'slug', message: `"${program.slug}" appears twice` }],
      };
    }
    seen.add(program.slug);
  }

  return applyImport(input.db, { dryRun: input.dryRun, kind: 'programs', file: input.file }, async (tx, summary) => {
    const [existingInstitution] = await tx.select().from(institutions).where(eq(institutions.slug, data.institution.slug));
    let institutionId: string;
    if (!existingInstitution) {
      const [created] = await tx.insert(institutions).values(data.institution).returning({ id: institutions.id });
      institutionId = created!.id;
      tally(summary, 'institutions', 'created');
    } else {
      institutionId = existingInstitution.id;
      const changed = existingInstitution.name !== data.institution.name;
      if (changed) await tx.update(institutions).set({ name: data.institution.name }).where(eq(institutions.id, institutionId));
      tally(summary, 'institutions', changed ? 'updated' : 'unchanged');
    }

    for (const program of data.programs) {
      const [setCode, setVersion] = program.milestone_set ? program.milestone_set.split(' ') : [null, null];
      const values = {
        institutionId,
        slug: program.slug,
        name: program.name,
        specialty: program.specialty,
        timeZone: program.time_zone,
        milestoneSetCode: setCode ?? null,
        milestoneSetVersion: setVersion ?? null,
        multisourceThreshold: program.multisource_threshold,
        requestExpiryDays: program.request_expiry_days,
        cccDigestLeadDays: program.ccc_digest_lead_days,
        cccSlackChannelId: program.ccc.slack_channel ?? null,
        cccTeamsConversationId: program.ccc.teams_conversation ?? null,
        chatPlatform: program.platform,
      };
      const [existing] = await tx
        .select()
        .from(programs)
        .where(and(eq(programs.institutionId, institutionId), eq(programs.slug, program.slug)));
      let programId: string;
      if (!existing) {
        const [created] = await tx.insert(programs).values(values).returning({ id: programs.id });
        programId = created!.id;
        tally(summary, 'programs', 'created');
      } else {
        programId = existing.id;
        const changed = (Object.keys(values) as (keyof typeof values)[]).some((key) => existing[key] !== values[key]);
        if (changed) await tx.update(programs).set(values).where(eq(programs.id, programId));
        tally(summary, 'programs', changed ? 'updated' : 'unchanged');
      }

      const years = new Set(program.academic_years);
      for (const meeting of program.ccc.meetings) years.add(Number(periodCodeOf(meeting).slice(0, 4)));
      for (const year of [...years].sort()) {
        for (const period of reportingPeriodsOf(year)) {
          const inserted = await tx
            .insert(reportingPeriods)
            .values({ programId, ...period })
            .onConflictDoNothing()
            .returning({ id: reportingPeriods.id });
          tally(summary, 'reporting periods', inserted.length > 0 ? 'created' : 'unchanged');
        }
      }
      const periods = await tx.select().from(reportingPeriods).where(eq(reportingPeriods.programId, programId));
      for (const meetsOn of program.ccc.meetings) {
        const periodId = periods.find((p) => p.code === periodCodeOf(meetsOn))?.id ?? null;
        const inserted = await tx
          .insert(cccMeetings)
          .values({ programId, meetsOn, periodId })
          .onConflictDoNothing()
          .returning({ id: cccMeetings.id });
        tally(summary, 'CCC meetings', inserted.length > 0 ? 'created' : 'unchanged');
      }
    }
  });
}
