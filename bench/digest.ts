/**
 * `npm run bench -- digest [--postgres URL]`: every program's CCC digest (buildCccDigest, then cccDigestMessages)
 * for the benchmark institution (30 programs, 1,500 residents) with two academic years of data: ~300k feedback
 * entries with milestone ratings, ~60k 360 item scores, CCC ratings of past periods, self-assessments, goals.
 * Goals: ≤ 5 s on PostgreSQL, ≤ 15 s on PGlite for all 30 programs. Baseline in the same run: reading the raw
 * rows a digest is made from (each program's feedback with its ratings, CCC and self ratings, 360 scores) with
 * plain queries, so the ratio is what the digest costs over just reading its data. Three runs each, interleaved;
 * the median run is reported. `--scale` sizes the institution (the goals are for scale 1).
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { buildCccDigest } from '../src/core/ccc-digest/build-ccc-digest.ts';
import type { Db } from '../src/db/client.ts';
import { programs } from '../src/db/schema/index.ts';
import { cccDigestMessages } from '../src/messages/ccc-digest.ts';
import { DIGEST_DAY, DIGEST_PERIOD, importInstitution, loadAssessmentData } from './digest-data.ts';
import { benchEngines, benchServerUrl, type Engine, goal, openEngine, printTable, seconds } from './engines.ts';
import { FULL_SIZE, generateInstitution, scaled } from './institution.ts';

const RUNS = 3;
const GOAL_SECONDS: Record<Engine, number> = { postgres: 5, pglite: 15 };

interface Run {
  count: number;
  baseline: number;
  baselineRows: number;
  digest: number;
  residents: number;
  flagged: number;
  messageBytes: number;
}

export async function runDigestBench(scale = 1): Promise<void> {
  const serverUrl = benchServerUrl();
  const files = generateInstitution(scale === 1 ? FULL_SIZE : scaled(scale));
  const periodCode = DIGEST_PERIOD(files);
  const day = DIGEST_DAY(files);
  console.log(
    `digest: ${files.size.programs} programs, ${files.size.residents} residents, ${files.size.faculty} faculty, ` +
      `academic years ${files.size.firstAcademicYear}–${files.size.firstAcademicYear + files.size.academicYears}; ` +
      `every program's digest for ${periodCode}, built on ${day}`,
  );
  const results: { engine: Engine; runs: Run[] }[] = [];
  for (const engine of benchEngines(serverUrl)) {
    const opened = await openEngine(engine, serverUrl);
    try {
      const db = opened.database.db;
      const importedAt = performance.now();
      await importInstitution(db, files);
      console.log(`${engine}: institution imported in ${seconds(importedAt)} s`);
      const loadedAt = performance.now();
      const counts = await loadAssessmentData(db, files);
      console.log(
        `${engine}: loaded ${fmt(counts.feedbackEntries)} feedback entries with ${fmt(counts.feedbackRatings)} ratings, ` +
          `${fmt(counts.multisourceResponses)} 360 responses with ${fmt(counts.multisourceAnswers)} item scores, ` +
          `${fmt(counts.cccRatings)} CCC ratings, ${fmt(counts.selfAssessmentRatings)} self ratings, ${fmt(counts.learningGoals)} goals ` +
          `in ${seconds(loadedAt)} s`,
      );
      // A server's autovacuum would have analyzed tables after such a load; PGlite has no autovacuum and is measured as is.
      if (engine === 'postgres') await db.execute(sql`analyze`);
      const programIds = (await db.select({ id: programs.id }).from(programs).orderBy(programs.slug)).map((p) => p.id);
      const clock = { now: () => new Date(`${day}T15:00:00Z`) };
      const runs: Run[] = [];
      for (let run = 0; run < RUNS; run += 1) {
        const countAt = performance.now();
        let counted = 0;
        for (const programId of programIds) counted += await readRawRows(db, programId, 'count');
        const count = (performance.now() - countAt) / 1000;
        const baselineAt = performance.now();
        let baselineRows = 0;
        for (const programId of programIds) baselineRows += await readRawRows(db, programId, 'read');
        const baseline = (performance.now() - baselineAt) / 1000;
        if (counted !== baselineRows) throw new Error(`counted ${counted} raw rows but read ${baselineRows}`);

        const digestAt = performance.now();
        let residents = 0;
        let flagged = 0;
        let messageBytes = 0;
        for (const programId of programIds) {
          const digest = await buildCccDigest({ db, clock, programId, periodCode });
          const messages = cccDigestMessages(digest);
          residents += digest.totals.residents;
          flagged += digest.totals.flagged;
          messageBytes += JSON.stringify(messages).length;
        }
        const digestSeconds = (performance.now() - digestAt) / 1000;
        runs.push({ count, baseline, baselineRows, digest: digestSeconds, residents, flagged, messageBytes });
        console.log(
          `${engine} run ${run + 1}: raw rows ${fmt(baselineRows)} counted in ${count.toFixed(2)} s, read in ${baseline.toFixed(2)} s; ` +
            `${programIds.length} digests (${residents} residents, ${flagged} flagged, ${(messageBytes / 1e6).toFixed(1)} MB of messages) in ${digestSeconds.toFixed(2)} s`,
        );
      }
      results.push({ engine, runs });
    } finally {
      await opened.close();
    }
  }

  console.log('');
  const median = (runs: Run[]) => [...runs].sort((a, b) => a.digest - b.digest)[Math.floor(runs.length / 2)]!;
  printTable(
    ['engine', 'raw rows', 'count s', 'read s', 'all digests s', 'digest/count', 'digest/read', 'residents', 'flagged'],
    results.map(({ engine, runs }) => {
      const m = median(runs);
      return [
        engine,
        fmt(m.baselineRows),
        m.count.toFixed(2),
        m.baseline.toFixed(2),
        m.digest.toFixed(2),
        (m.digest / m.count).toFixed(2),
        (m.digest / m.baseline).toFixed(2),
        String(m.residents),
        String(m.flagged),
      ];
    }),
    [false, true, true, true, true, true, true, true, true],
  );
  console.log(`  median of ${RUNS} runs by digest time; the baselines are measured in the same run, just before:`);
  console.log('  count = the same raw rows counted in the database (a scan, nothing sent); read = the rows sent to this process.');
  for (const { engine, runs } of results) goal(`${engine} every program's digest`, median(runs).digest, GOAL_SECONDS[engine], 's');
}

/**
 * The rows a program's digest is made from, by plain queries with nothing computed: counted in the database
 * ('count', the cost of scanning them) or sent to this process ('read'). Returns how many rows there are.
 */
async function readRawRows(db: Db, programId: string, mode: 'count' | 'read'): Promise<number> {
  const residents = sql`(select person_id from program_memberships where program_id = ${programId} and role in ('resident', 'fellow'))`;
  const queries = [
    sql`select e.id, e.resident_id, e.author_id, e.source, e.reinforcing, e.corrective, e.next_step, e.directly_observed,
               e.created_at, r.subcompetency_id, r.rating
        from feedback_entries e left join feedback_ratings r on r.feedback_entry_id = e.id
        where e.program_id = ${programId}`,
    sql`select resident_id, period_id, subcompetency_id, rating from ccc_ratings where resident_id in ${residents}`,
    sql`select s.resident_id, s.period_id, r.subcompetency_id, r.rating
        from self_assessments s join self_assessment_ratings r on r.self_assessment_id = s.id
        where s.resident_id in ${residents}`,
    sql`select q.resident_id, q.rater_role, a.item_id, a.score
        from multisource_rounds o join multisource_requests q on q.round_id = o.id
        join multisource_responses p on p.request_id = q.id join multisource_answers a on a.response_id = p.id
        where o.program_id = ${programId}`,
    sql`select id, resident_id, status, due_on from learning_goals where program_id = ${programId}`,
  ];
  let rows = 0;
  for (const query of queries) {
    if (mode === 'count') {
      const result = await db.execute(sql`select count(*)::int as n from (${query}) as raw`);
      const [first] = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { n: number }[];
      rows += Number(first?.n ?? 0);
    } else {
      const result = await db.execute(query);
      rows += Array.isArray(result) ? result.length : (result as { rows: unknown[] }).rows.length;
    }
  }
  return rows;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
