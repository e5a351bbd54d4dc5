import { and, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { reminderSnoozes } from '../../db/schema/index.ts';
import { dateIn } from '../../domain/calendar.ts';

/** What a reminder can be about; the subject kind stored with a snooze. */
export type ReminderSubject = 'rotation-prompt' | 'feedback-request';

/** A rotation prompt is one faculty member's prompt for one rotation block: the snooze's subject id. */
export function rotationPromptSubjectId(rotationId: string, endsOn: string): string {
  return `${rotationId}:${endsOn}`;
}

/**
 * Snoozes of these subjects, as the program-local date each ends on, keyed `subjectId personId`. Stored as the start
 * of that local day, so "1 day" means "tomorrow's reminders", whatever time the button was clicked.
 */
export async function snoozedUntilDates(
  db: DbOrTx,
  kind: ReminderSubject,
  subjectIds: string[],
  timeZone: string,
): Promise<Map<string, string>> {
  if (subjectIds.length === 0) return new Map();
  const rows = await db
    .select()
    .from(reminderSnoozes)
    .where(and(eq(reminderSnoozes.subjectKind, kind), inArray(reminderSnoozes.subjectId, [...new Set(subjectIds)])));
  return new Map(rows.map((r) => [`${r.subjectId} ${r.personId}`, dateIn(timeZone, r.snoozedUntil)]));
}
