import { pgEnum } from 'drizzle-orm/pg-core';
import { MULTISOURCE_RATER_GROUPS } from '../../domain/multisource-instrument.ts';
import { RATING_VALUES } from '../../domain/rating.ts';

export const platform = pgEnum('platform', ['slack', 'teams']);

/** Roles a person holds in one program; a person can hold several (a faculty member who chairs the CCC). */
export const programRole = pgEnum('program_role', [
  'resident',
  'fellow',
  'faculty',
  'rater',
  'coordinator',
  'program_director',
  'associate_program_director',
  'ccc_member',
  'ccc_chair',
]);

/** Who a 360 rater is to the resident; the unit of anonymity for multisource aggregates. */
// The 360 rater groups, and faculty (who may also be asked as raters).
export const raterRole = pgEnum('rater_role', [...MULTISOURCE_RATER_GROUPS, 'faculty']);

export const milestoneRating = pgEnum('milestone_rating', RATING_VALUES);

export const periodKind = pgEnum('period_kind', ['mid_year', 'end_of_year']);
