import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.ts';
import { openDatabase } from '../db/client.ts';
import { runDemo } from './demo.ts';
import { runDigestCommand } from './digest-command.ts';
import { IMPORT_KINDS, type ImportKind, runImport } from './import-command.ts';
import { runJob } from './jobs-command.ts';
import { runPackageTeams } from './package-teams.ts';
import { startCommand } from './start-command.ts';

const USAGE = `Usage: stepping-stones <command>

  start                              run the bot (needs Slack credentials; see README)
  migrate                            apply database migrations and exit
  import programs|milestones|people|rotations|multisource|ccc-ratings FILE [--dry-run]
                                     load a file; --dry-run shows what would change
  jobs run JOB [--date YYYY-MM-DD] [--program SLUG]
                                     run a daily job by hand for a date (today by default), through the
                                     scheduler's claims; JOB is daily (all of them) or one of:
                                       rotation-prompts, multisource-rounds, evaluation-reminders,
                                       evaluation-escalation, request-reminders, request-expiry,
                                       self-assessment-window, goal-nudges, ccc-digest
  jobs run multisource --rotation CODE [--date YYYY-MM-DD] | --period CODE [--program SLUG]
                                     open a 360 round: one DM per rater per resident
  jobs run self-assessment --period CODE [--program SLUG]
                                     open the self-assessment window and ask for plan refreshes
  demo [--cards]                     load a demo program into an in-memory database and play a half-year;
                                     --cards prints its messages as Teams Adaptive Card JSON instead of text
  package teams [--out FILE]         zip the Teams app package (dist/stepping-stones-teams.zip by default),
                                     its manifest filled from TEAMS_CLIENT_ID, TEAMS_APP_DOMAIN, … (see README)
  help                               this text`;

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: {
      'dry-run': { type: 'boolean' },
      date: { type: 'string' },
      rotation: { type: 'string' },
      period: { type: 'string' },
      program: { type: 'string' },
      preview: { type: 'boolean' },
      cards: { type: 'boolean' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (!command || command === 'help' || values.help) {
    out(USAGE);
    return command || values.help ? 0 : 1;
  }

  if (command === 'demo') return runDemo({ out, err, format: values.cards === true ? 'cards' : 'text' });
  // Packaging reads only the manifest's own variables, not the bot's configuration: it runs where no bot does.
  if (command === 'package' && rest[0] === 'teams') {
    return runPackageTeams({ env: process.env, outPath: typeof values.out === 'string' ? values.out : undefined, out, err });
  }
  if (command === 'package') {
    err('Usage: stepping-stones package teams [--out FILE]');
    return 1;
  }

  const config = loadConfig();
  if (command === 'start') return startCommand({ config, out, err });

  const database = await openDatabase(config.database);
  try {
    await database.migrate();
    if (command === 'migrate') {
      out(`Database is up to date (${database.engine}).`);
      return 0;
    }
    if (command === 'import') {
      const [kind, path] = rest;
      if (!kind || !(IMPORT_KINDS as readonly string[]).includes(kind) || !path) {
        err(`Usage: stepping-stones import ${IMPORT_KINDS.join('|')} FILE [--dry-run]`);
        return 1;
      }
      return await runImport({ db: database.db, kind: kind as ImportKind, path, dryRun: values['dry-run'] === true, out, err });
    }
    if (command === 'jobs' && rest[0] === 'run') {
      const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
      return await runJob({
        db: database.db,
        name: rest[1],
        date: text(values.date),
        rotation: text(values.rotation),
        period: text(values.period),
        program: text(values.program),
        out,
        err,
      });
    }
    if (command === 'digest') {
      const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
      return await runDigestCommand({
        db: database.db,
        program: text(values.program),
        period: text(values.period),
        preview: values.preview === true,
        outDir: text(values.out),
        out,
        err,
      });
    }
    err(`Unknown command "${command}".\n\n${USAGE}`);
    return 1;
  } finally {
    await database.close();
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) err(problem);
    process.exitCode = 1;
  } else {
    // Unexpected: show a reference and the message, not a stack; the stack is for the operator's debug log.
    const reference = Math.random().toString(36).slice(2, 10);
    err(`Something went wrong (reference ${reference}): ${(error as Error).message}`);
    if (process.env.LOG_LEVEL === 'debug') err((error as Error).stack ?? '');
    process.exitCode = 1;
  }
}
