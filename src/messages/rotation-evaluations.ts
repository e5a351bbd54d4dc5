import { humanDate } from '../domain/calendar.ts';
import { ACTIONS, SUBJECTS } from './actions.ts';
import { actions, button, context, divider, header, type Message, message, paragraph, payload } from './model.ts';

/** One resident in a faculty member's end-of-rotation prompt, with what has happened since. */
export interface PromptedResident {
  assignmentId: string;
  name: string;
  pgy: number | null;
  status: 'waiting' | 'evaluated' | 'did_not_work_with';
}

/** The post-rotation DM: one per faculty member and rotation, one line and two buttons per resident. */
export function rotationPromptMessage(input: {
  rotationName: string;
  startsOn: string;
  endsOn: string;
  residents: PromptedResident[];
}): Message {
  const waitingNames = input.residents.filter((r) => r.status === 'waiting').map((r) => r.name);
  const waiting = waitingNames.length;
  return message(
    waiting > 0
      ? `${input.rotationName} ended ${humanDate(input.endsOn)}: please give feedback to ${waitingNames.join(', ')}.${
          waiting < input.residents.length ? ` Done: ${input.residents.filter((r) => r.status !== 'waiting').map((r) => r.name).join(', ')}.` : ''
        }`
      : `${input.rotationName} (ended ${humanDate(input.endsOn)}): done for ${input.residents.map((r) => r.name).join(', ')}. Thank you.`,
    header(`${input.rotationName} has ended — how did your residents do?`),
    context(
      `${humanDate(input.startsOn)} – ${humanDate(input.endsOn)} · about a minute per resident: pick levels for the rotation's milestones, one comment, one next step.`,
    ),
    input.residents.flatMap((resident) => {
      const who = `*${resident.name}*${resident.pgy ? ` (PGY-${resident.pgy})` : ''}`;
      const ref = payload(SUBJECTS.assignment, resident.assignmentId);
      if (resident.status === 'evaluated') return [paragraph(`${who} — feedback sent ✓`)];
      if (resident.status === 'did_not_work_with') return [paragraph(`${who} — you did not work together`)];
      return [
        paragraph(who),
        actions(
          button('Give feedback', ACTIONS.giveEvaluation, ref, 'primary'),
          button('Did not work with this resident', ACTIONS.didNotWorkWith, ref),
        ),
      ];
    }),
    waiting === 0 ? [divider(), context('All done — thank you. Your residents will see your feedback right away.')] : null,
  );
}
