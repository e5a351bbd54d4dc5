/** Academic years run July 1 – June 30; reporting to ACGME is semiannual. */
export type PeriodKind = 'mid_year' | 'end_of_year';

/** A reporting period as the program and the commands name it (`2026-mid`, `2026-end`). */
export interface ReportingPeriodDates {
  academicYear: number;
  kind: PeriodKind;
  code: string;
  startsOn: string;
  endsOn: string;
}

/** The two reporting periods of the academic year that starts on July 1 of `academicYear`. */
export function reportingPeriodsOf(academicYear: number): [ReportingPeriodDates, ReportingPeriodDates] {
  return [
    {
      academicYear,
      kind: 'mid_year',
      code: `${academicYear}-mid`,
      startsOn: `${academicYear}-07-01`,
      endsOn: `${academicYear}-12-31`,
    },
    {
      academicYear,
      kind: 'end_of_year',
      code: `${academicYear}-end`,
      startsOn: `${academicYear + 1}-01-01`,
      endsOn: `${academicYear + 1}-06-30`,
    },
  ];
}

/** The academic year (its starting calendar year) a date falls in. */
export function academicYearOf(isoDate: string): number {
  const year = Number(isoDate.slice(0, 4));
  const month = Number(isoDate.slice(5, 7));
  return month >= 7 ? year : year - 1;
}

/** The reporting period code a date falls in. */
export function periodCodeOf(isoDate: string): string {
  const year = academicYearOf(isoDate);
  const month = Number(isoDate.slice(5, 7));
  return month >= 7 ? `${year}-mid` : `${year}-end`;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}
