import { eq } from 'drizzle-orm';
import { importMilestoneSet } from '../../src/core/milestone-sets/import-milestone-set.ts';
import { importPeople } from '../../src/core/people/import-people.ts';
import { formatProblem } from '../../src/core/imports/problems.ts';
import { importPrograms } from '../../src/core/programs/import-programs.ts';
import { importRotationMap } from '../../src/core/rotations/import-rotation-map.ts';
import { importRotationSchedule } from '../../src/core/rotations/import-rotation-schedule.ts';
import type { Db } from '../../src/db/client.ts';
import { people } from '../../src/db/schema/index.ts';
import { contentFile } from './content.ts';

/** Loads the demo program (content/demo) through the real importers, as a program would. */
export async function seedDemoProgram(db: Db): Promise<void> {
  const steps = [
    ['milestones/harmonized-2.0.yaml', importMilestoneSet],
    ['milestones/internal-medicine-2.0.yaml', importMilestoneSet],
    ['demo/programs.yaml', importPrograms],
    ['demo/people.csv', importPeople],
    ['demo/rotation-map.yaml', importRotationMap],
    ['demo/rotations.csv', importRotationSchedule],
  ] as const;
  for (const [path, run] of steps) {
    const result = await run({ db, text: contentFile(path), file: path, dryRun: false });
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
  }
}

/** The person id of a demo person, by the first part of their email (`ana.ruiz`). */
export async function demoPerson(db: Db, handle: string): Promise<string> {
  const [person] = await db.select({ id: people.id }).from(people).where(eq(people.email, `${handle}@stelsewhere.example.org`));
  if (!person) throw new Error(`no demo person ${handle}`);
  return person.id;
}

/** A clock stuck at one instant; tests set the time instead of waiting. */
export function fixedClock(iso: string) {
  let now = new Date(iso);
  return { now: () => now, set: (next: string) => (now = new Date(next)) };
}
