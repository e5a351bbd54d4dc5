/**
 * Teams' own people picker searches the organization through Microsoft Graph, which the bot has no permission for
 * and which would return people the program does not know. The Teams form offers the actor's programs' people
 * instead, by person id, so the submission names a roster person directly.
 */
import { and, asc, eq, inArray, ne } from 'drizzle-orm';
import type { Actor } from '../../core/people/identify-chat-user.ts';
import { people, programMemberships } from '../../db/schema/index.ts';
import type { ChoiceField, Field, Form } from '../../messages/model.ts';
import type { TeamsDeps } from './turn-kit.ts';

// Faculty first: they are whom residents ask most; then the rest of the program, never other learners' peers alone.
const GROUPS: readonly { label: string; roles: readonly string[] }[] = [
  { label: 'Faculty', roles: ['faculty', 'program_director', 'associate_program_director', 'ccc_chair', 'ccc_member'] },
  { label: 'Nurses and other professionals', roles: ['rater', 'coordinator'] },
  { label: 'Residents and fellows', roles: ['resident', 'fellow'] },
];

// A card is limited to about 28 KB; a few hundred names fit beside the rest of the form.
const MAX_PEOPLE = 250;

/** The form as Teams shows it: every people picker becomes a choice of the actor's programs' people. */
export async function teamsForm(deps: TeamsDeps, actor: Actor, form: Form): Promise<Form> {
  if (!form.fields.some((field) => field.type === 'choice' && field.source.kind === 'people')) return form;
  const programIds = [...new Set(actor.memberships.map((m) => m.programId))];
  const rows =
    programIds.length === 0
      ? []
      : await deps.ports.db
          .selectDistinct({ id: people.id, name: people.name, role: programMemberships.role })
          .from(programMemberships)
          .innerJoin(people, eq(people.id, programMemberships.personId))
          .where(and(inArray(programMemberships.programId, programIds), ne(people.id, actor.personId)))
          .orderBy(asc(people.name));
  const groupOf = (role: string) => GROUPS.findIndex((g) => g.roles.includes(role));
  const best = new Map<string, { name: string; group: number }>();
  for (const row of rows) {
    const group = groupOf(row.role);
    const known = best.get(row.id);
    if (group >= 0 && (!known || group < known.group)) best.set(row.id, { name: row.name, group });
  }
  const chosen = [...best.entries()].sort((a, b) => a[1].group - b[1].group || a[1].name.localeCompare(b[1].name)).slice(0, MAX_PEOPLE);
  const groups = GROUPS.map((g, index) => ({
    label: g.label,
    options: chosen.filter(([, p]) => p.group === index).map(([id, p]) => ({ value: id, label: p.name })),
  })).filter((g) => g.options.length > 0);
  return {
    ...form,
    fields: form.fields.map((field): Field => {
      if (field.type !== 'choice' || field.source.kind !== 'people') return field;
      const replaced: ChoiceField = {
        ...field,
        source: groups.length > 0 ? { kind: 'groups', groups } : { kind: 'options', options: [{ value: 'none', label: 'No one in your program yet' }] },
        placeholder: field.placeholder ?? 'Type a name',
      };
      return replaced;
    }),
  };
}
