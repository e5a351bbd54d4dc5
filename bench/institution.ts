/**
 * A deterministic, made-up institution for benchmarks: the three import files a coordinator would load
 * (programs YAML, people CSV, rotation schedule CSV). Same seed and sizes, same bytes: no Math.random.
 */

/** How big the institution is; `scaled(factor)` keeps the shape and multiplies the counts. */
export interface InstitutionSize {
  programs: number;
  residents: number;
  faculty: number;
  /** Academic years of schedule, starting July 1 of `firstAcademicYear`. */
  academicYears: number;
  firstAcademicYear: number;
  /** 4-week blocks per academic year; the last one runs to June 30. */
  blocksPerYear: number;
  seed: number;
}

export const FULL_SIZE: InstitutionSize = {
  programs: 30,
  residents: 1500,
  faculty: 600,
  academicYears: 2,
  firstAcademicYear: 2025,
  blocksPerYear: 13,
  seed: 20250701,
};

/** The full institution times `factor` (programs, residents, faculty); the schedule's years and blocks stay. */
export function scaled(factor: number, base: InstitutionSize = FULL_SIZE): InstitutionSize {
  if (!(factor > 0)) throw new Error(`scale must be a positive number, got ${factor}`);
  const programs = Math.max(2, Math.round(base.programs * factor));
  return {
    ...base,
    programs,
    residents: Math.max(programs, Math.round(base.residents * factor)),
    faculty: Math.max(programs * 2, Math.round(base.faculty * factor)),
  };
}

/** The generated files and how many data records each holds (what rows/s counts). */
export interface InstitutionFiles {
  size: InstitutionSize;
  programsYaml: string;
  peopleCsv: string;
  scheduleCsv: string;
  rows: { programs: number; people: number; schedule: number };
}

/** sfc32: a small, fast, seedable PRNG; uniform in [0, 1). */
export function prng(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i += 1) next();
  return next;
}

const SPECIALTIES: readonly { name: string; slug: string; years: number; set: string }[] = [
  { name: 'Internal Medicine', slug: 'internal-medicine', years: 3, set: 'IM 2.0' },
  { name: 'Pediatrics', slug: 'pediatrics', years: 3, set: 'PEDS 2.0' },
  { name: 'Family Medicine', slug: 'family-medicine', years: 3, set: 'FM 2.0' },
  { name: 'General Surgery', slug: 'general-surgery', years: 5, set: 'GS 2.0' },
  { name: 'Emergency Medicine', slug: 'emergency-medicine', years: 3, set: 'EM 2.0' },
  { name: 'Psychiatry', slug: 'psychiatry', years: 4, set: 'PSY 2.0' },
  { name: 'Neurology', slug: 'neurology', years: 4, set: 'NEU 2.0' },
  { name: 'Obstetrics and Gynecology', slug: 'obgyn', years: 4, set: 'OBG 2.0' },
  { name: 'Orthopaedic Surgery', slug: 'orthopaedic-surgery', years: 5, set: 'ORS 2.0' },
  { name: 'Anesthesiology', slug: 'anesthesiology', years: 4, set: 'ANES 2.0' },
];

const ROTATION_KINDS: readonly [string, string][] = [
  ['WARDS', 'Inpatient wards'],
  ['CLINIC', 'Continuity clinic'],
  ['ICU', 'Intensive care'],
  ['NIGHTS', 'Night float'],
  ['ED', 'Emergency department'],
  ['CONSULT', 'Consult service'],
  ['ELECTIVE', 'Elective'],
  ['AMB', 'Ambulatory block'],
  ['RESEARCH', 'Research'],
  ['OR', 'Operating room'],
  ['CARDS', 'Cardiology'],
  ['ONC', 'Oncology'],
];

const SITES = ['University Hospital', 'VA Medical Center', 'Children’s Hospital', 'Community Hospital', 'County Clinic'];

const FIRST = ['Ada', 'Ben', 'Chloe', 'Dev', 'Elena', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jamal', 'Kira', 'Luis', 'Maya', 'Nikhil', 'Olga', 'Priya', 'Quinn', 'Rosa', 'Sam', 'Tariq', 'Uma', 'Victor', 'Wen', 'Ximena', 'Yusuf', 'Zoe'];
const LAST = ['Abbott', 'Bello', 'Chen', 'Diaz', 'Eriksen', 'Fofana', 'Garcia', 'Haddad', 'Ito', 'Jones', 'Kowalski', 'Lopez', 'Mensah', 'Nguyen', 'O’Brien', 'Patel', 'Quispe', 'Rossi', 'Singh', 'Tanaka', 'Umar', 'Varga', 'Walsh', 'Xu', 'Yilmaz', 'Zhou'];

const TIME_ZONES = ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles'];

/** Quotes a CSV cell when it needs it. */
function cell(value: string | number): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function isoDay(start: string, plusDays: number): string {
  const date = new Date(`${start}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + plusDays);
  return date.toISOString().slice(0, 10);
}

/** Splits `total` over `weights`, largest remainders first, so the parts add up exactly. */
function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const parts = exact.map(Math.floor);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  const missing = total - parts.reduce((a, b) => a + b, 0);
  for (let k = 0; k < missing; k += 1) parts[order[k]![1]]! += 1;
  return parts;
}

/** Generates the institution's three import files. */
export function generateInstitution(size: InstitutionSize = FULL_SIZE): InstitutionFiles {
  const random = prng(size.seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

  // Programs: specialties cycle, with a numbered suffix once they repeat (fellowship-sized variants).
  const programList = Array.from({ length: size.programs }, (_, i) => {
    const specialty = SPECIALTIES[i % SPECIALTIES.length]!;
    const round = Math.floor(i / SPECIALTIES.length);
    const rotationCount = int(8, ROTATION_KINDS.length);
    const rotationCodes = ROTATION_KINDS.slice(0, rotationCount).map(([code, name]) => ({
      code: `${code}-${String.fromCharCode(65 + (i % 3))}`,
      name,
      site: pick(SITES),
    }));
    return {
      slug: round === 0 ? specialty.slug : `${specialty.slug}-${round + 1}`,
      name: round === 0 ? specialty.name : `${specialty.name} ${round + 1}`,
      specialty: specialty.name,
      years: specialty.years,
      set: specialty.set,
      timeZone: pick(TIME_ZONES),
      weight: 1 + random() * 2,
      rotations: rotationCodes,
    };
  });

  const years = Array.from({ length: size.academicYears }, (_, k) => size.firstAcademicYear + k);
  const yaml: string[] = ['institution:', '  slug: bench-university', '  name: Bench University Health', 'programs:'];
  for (const p of programList) {
    yaml.push(
      `  - slug: ${p.slug}`,
      `    name: ${JSON.stringify(p.name)}`,
      `    specialty: ${JSON.stringify(p.specialty)}`,
      `    time_zone: ${p.timeZone}`,
      `    milestone_set: ${JSON.stringify(p.set)}`,
      `    academic_years: [${years.join(', ')}]`,
      '    ccc:',
      `      meetings: [${years.flatMap((y) => [`${y}-12-10`, `${y + 1}-06-10`]).join(', ')}]`,
    );
  }

  // People: residents and faculty apportioned by program weight; one email per person, unique institution-wide.
  const residentsPer = apportion(size.residents, programList.map((p) => p.weight));
  const facultyPer = apportion(size.faculty, programList.map((p) => p.weight)).map((n) => Math.max(n, 2));
  let serial = 0;
  const person = () => {
    serial += 1;
    const first = pick(FIRST);
    const last = pick(LAST);
    const local = `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '');
    return { name: `${first} ${last}`, email: `${local}.${serial}@bench-university.example.org` };
  };
  const people: string[] = ['email,name,program,role,pgy,rater_role,mentor_email,start_date,end_date'];
  const rosters = programList.map((p, i) => {
    const faculty = Array.from({ length: facultyPer[i]! }, (_, k) => {
      const f = person();
      const role = k === 0 ? 'program_director;faculty' : k === 1 ? 'faculty;ccc_chair' : k < 5 ? 'faculty;ccc_member' : 'faculty';
      people.push([f.email, f.name, p.slug, role, '', '', '', '', ''].map(cell).join(','));
      return f.email;
    });
    const residents = Array.from({ length: residentsPer[i]! }, () => {
      const r = person();
      const pgy = int(1, p.years);
      const started = `${size.firstAcademicYear - (pgy - 1)}-07-01`;
      people.push([r.email, r.name, p.slug, 'resident', pgy, '', pick(faculty), started, ''].map(cell).join(','));
      return r.email;
    });
    return { faculty, residents };
  });

  // Schedule: every resident on some rotation every block, supervised by one or two of the program's faculty.
  const schedule: string[] = ['program,rotation,rotation_name,site,resident_email,start_date,end_date,faculty_emails'];
  for (const year of years) {
    const july1 = `${year}-07-01`;
    const june30 = `${year + 1}-06-30`;
    for (let block = 0; block < size.blocksPerYear; block += 1) {
      const start = isoDay(july1, block * 28);
      const end = block === size.blocksPerYear - 1 ? june30 : isoDay(july1, block * 28 + 27);
      programList.forEach((p, i) => {
        const { faculty, residents } = rosters[i]!;
        for (const email of residents) {
          const rotation = pick(p.rotations);
          const first = pick(faculty);
          let supervisors = first;
          if (random() < 0.5) {
            const second = pick(faculty);
            if (second !== first) supervisors = `${first};${second}`;
          }
          schedule.push([p.slug, rotation.code, rotation.name, rotation.site, email, start, end, supervisors].map(cell).join(','));
        }
      });
    }
  }

  return {
    size,
    programsYaml: `${yaml.join('\n')}\n`,
    peopleCsv: `${people.join('\n')}\n`,
    scheduleCsv: `${schedule.join('\n')}\n`,
    rows: { programs: programList.length, people: people.length - 1, schedule: schedule.length - 1 },
  };
}
