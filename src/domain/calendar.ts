// Calendar dates are plain YYYY-MM-DD strings: rotations and due dates are days, not instants.

/** The calendar date (YYYY-MM-DD) of an instant in a program's time zone. */
export function dateIn(timeZone: string, instant: Date): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
  return parts;
}

/** Adds days to a calendar date without touching time zones. */
export function addDays(isoDate: string, days: number): string {
  const date = new Date(`${isoDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

// One formatter for every call: toLocaleDateString builds a new one each time (~0.2 ms), which dominated building
// thousands of rotation prompts at once.
const HUMAN_DATE = new Intl.DateTimeFormat('en-US', { weekday: 'short', month: 'short', day: 'numeric', timeZone: 'UTC' });

/** "Mon, Nov 23": how due dates read in chat. */
export function humanDate(isoDate: string): string {
  return HUMAN_DATE.format(new Date(`${isoDate}T12:00:00Z`));
}

// How far a zone's wall clock is ahead of UTC at an instant, in milliseconds (negative west of Greenwich).
function offsetMs(timeZone: string, instant: Date): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return wall - Math.floor(instant.getTime() / 1000) * 1000;
}

/**
 * The instant a program's wall clock shows `hour`:00 on a calendar date. Twice corrected, because the offset at the
 * first guess can differ from the offset at the answer on the days clocks change.
 */
export function zonedInstant(timeZone: string, isoDate: string, hour = 0): Date {
  const wall = Date.parse(`${isoDate}T${String(hour).padStart(2, '0')}:00:00Z`);
  let guess = wall - offsetMs(timeZone, new Date(wall));
  guess = wall - offsetMs(timeZone, new Date(guess));
  return new Date(guess);
}

/** Whole days from one calendar date to another (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** The calendar dates from `from` to `to`, both included (empty when `to` is earlier). */
export function datesFrom(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let date = from; date <= to; date = addDays(date, 1)) dates.push(date);
  return dates;
}
