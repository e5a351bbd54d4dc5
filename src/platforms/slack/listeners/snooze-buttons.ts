import type { SnoozeDays } from '../../../core/reminders/snooze-reminder.ts';
import { snoozeReminder } from '../../../core/reminders/snooze-reminder.ts';
import type { ReminderSubject } from '../../../core/reminders/snoozes.ts';
import { SUBJECTS } from '../../../messages/actions.ts';
import { parsePayloadJson } from '../../../messages/model.ts';
import { type ActionListener, buttonListener, type SlackDeps } from '../listener-kit.ts';

// A reminder's snooze names what it holds back by the payload it carries: a feedback request, or a rotation prompt
// by one of its assignments.
const SNOOZABLE: Readonly<Record<string, ReminderSubject>> = {
  [SUBJECTS.feedbackRequest]: 'feedback-request',
  [SUBJECTS.assignment]: 'rotation-prompt',
};

// Only to pick which of the two listeners reads the click; that listener then parses the whole request with zod
// and refuses anything else as a stale button.
function payloadKindOf(body: unknown): string | undefined {
  try {
    const value = (body as { actions?: { value?: unknown }[] }).actions?.[0]?.value;
    return typeof value === 'string' ? parsePayloadJson(value).kind : undefined;
  } catch {
    return undefined;
  }
}

/** Snooze 1 day / 3 days on a reminder → reminders held until then; the buttons give way to "Snoozed until …". */
function snoozeButton(days: SnoozeDays): (deps: SlackDeps) => ActionListener {
  return (deps) => {
    const byKind = new Map(
      Object.entries(SNOOZABLE).map(([kind, subject]) => [
        kind,
        buttonListener(deps, kind, async (click) => ({
          replace: (await snoozeReminder({ ...deps.ports, subject, id: click.payload.id, actorId: click.actor.personId, days })).reminder,
        })),
      ]),
    );
    return (args) => (byKind.get(payloadKindOf(args.body) ?? '') ?? byKind.get(SUBJECTS.feedbackRequest)!)(args);
  };
}

export const snoozeOneDayButton = snoozeButton(1);
export const snoozeThreeDaysButton = snoozeButton(3);
