import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { createZipArchive } from './zip-archive.ts';

/** Where the manifest template and its icons live. */
export const TEAMS_MANIFEST_DIR = fileURLToPath(new URL('../../manifests/teams/', import.meta.url));

/** Where `npm run package:teams` writes the app package unless `--out` says otherwise (relative to the working directory). */
export const DEFAULT_TEAMS_PACKAGE = 'dist/stepping-stones-teams.zip';

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The variables the manifest's `${{NAME}}` placeholders are filled from, and what an unset one falls back to: another
 * variable, or package.json's version. Any other placeholder must be set.
 */
export const TEAMS_PACKAGE_VARIABLES: Record<string, { meaning: string; unsetUses?: string }> = {
  TEAMS_CLIENT_ID: { meaning: "the bot's Microsoft Entra app (client) id, a GUID" },
  // Teams lets the app and its bot share one id; a separate app id only matters to whoever runs several bots.
  TEAMS_APP_ID: { meaning: 'the Teams app id, a GUID', unsetUses: 'TEAMS_CLIENT_ID' },
  TEAMS_APP_DOMAIN: { meaning: 'the host name the bot is reached at, such as stepping-stones.example.org' },
  APP_VERSION: { meaning: "the app's version, three numbers such as 1.0.0", unsetUses: 'package.json' },
};

/** Icon file name → the size Teams requires of it, and whether it must be transparent. */
const ICON_RULES = {
  color: { width: 192, height: 192, transparent: false },
  outline: { width: 32, height: 32, transparent: true },
} as const;

const PLACEHOLDER = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
// Secrets authenticate the bot; an app package is handed to admins and uploaded to Microsoft, so none may go in.
const SECRET_NAME = /SECRET|TOKEN|PASSWORD|KEY$/;
const HOST_NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function value(env: Environment, name: string): string | undefined {
  const text = env[name]?.trim();
  return text ? text : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// The manifest's rules: what Teams checks on upload that a typo in a variable can break
// ---------------------------------------------------------------------------------------------------------------

const guid = z.string().regex(/^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/, 'must be a GUID such as 2b6f0c1e-7d4a-4f0e-9a53-1c2d3e4f5a6b');
const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const httpsUrl = z.string().max(2048, 'must be at most 2048 characters').regex(/^https:\/\/[^\s/]+(\/\S*)?$/, 'must be an https:// address');
const iconFile = z.string().regex(/^[^/\\]+\.png$/, 'must name a PNG file next to manifest.json');
const BOT_SCOPES = ['personal', 'team', 'groupChat'] as const;

const botSchema = z.looseObject({
  botId: guid,
  scopes: z.array(z.enum(BOT_SCOPES)).min(1, 'must name at least one scope'),
  supportsFiles: z.boolean(),
  isNotificationOnly: z.boolean(),
  commandLists: z
    .array(
      z.object({
        scopes: z.array(z.enum(BOT_SCOPES)).min(1, 'must name at least one scope'),
        commands: z.array(z.object({ title: text(32), description: text(128) })).min(1).max(10, 'must list at most 10 commands'),
      }),
    )
    .max(3, 'must have at most 3 command lists'),
});

/** The parts of the Teams app manifest this app uses, with the limits of the manifest schema. */
export const teamsManifestSchema = z
  .looseObject({
    $schema: z.string().regex(/^https:\/\/developer\.microsoft\.com\/json-schemas\/teams\/v1\.\d+\/MicrosoftTeams\.schema\.json$/, 'must be a released Teams schema'),
    manifestVersion: z.string().regex(/^1\.\d+$/, 'must be a released schema version such as 1.27 (not devPreview)'),
    version: z.string().regex(/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/, 'must be three numbers such as 1.0.0'),
    id: guid,
    developer: z.looseObject({ name: text(32), websiteUrl: httpsUrl, privacyUrl: httpsUrl, termsOfUseUrl: httpsUrl }),
    name: z.looseObject({ short: text(30), full: text(100).optional() }),
    description: z.looseObject({ short: text(80), full: text(4000) }),
    icons: z.object({ color: iconFile, outline: iconFile }),
    accentColor: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour such as #2F5D50'),
    bots: z.array(botSchema).min(1, 'must define the bot'),
    permissions: z.array(z.enum(['identity', 'messageTeamMembers'])).optional(),
    validDomains: z.array(z.string().regex(HOST_NAME, 'must be a host name, without https:// or a path')).min(1, 'must list the bot’s host name'),
  })
  .refine((m) => m.$schema.endsWith(`/v${m.manifestVersion}/MicrosoftTeams.schema.json`), {
    path: ['$schema'],
    message: 'must be the schema of manifestVersion',
  });

/** A filled-in manifest that passed teamsManifestSchema. */
export type TeamsManifest = z.infer<typeof teamsManifestSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Filling the placeholders
// ---------------------------------------------------------------------------------------------------------------

type JsonPath = (string | number)[];

function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

/** Every string of a JSON value with its path, depth first. */
function* strings(node: unknown, path: JsonPath = []): Generator<{ path: JsonPath; text: string }> {
  if (typeof node === 'string') yield { path, text: node };
  else if (Array.isArray(node)) for (const [i, item] of node.entries()) yield* strings(item, [...path, i]);
  else if (node && typeof node === 'object') for (const [key, item] of Object.entries(node)) yield* strings(item, [...path, key]);
}

function mapStrings(node: unknown, fill: (text: string) => string): unknown {
  if (typeof node === 'string') return fill(node);
  if (Array.isArray(node)) return node.map((item) => mapStrings(item, fill));
  if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, mapStrings(item, fill)]));
  return node;
}

function valueAt(node: unknown, path: readonly PropertyKey[]): unknown {
  let at = node;
  for (const key of path) at = at && typeof at === 'object' ? (at as Record<PropertyKey, unknown>)[key] : undefined;
  return at;
}

/**
 * The template with every `${{NAME}}` replaced by the variable's value, or one sentence per variable that is
 * missing or cannot be right. Values are filled into parsed strings, so no value can break the JSON around it.
 */
export function fillManifest(
  template: unknown,
  env: Environment,
  packageVersion: string,
): { ok: true; manifest: unknown } | { ok: false; problems: string[] } {
  const uses = new Map<string, string[]>();
  for (const { path, text } of strings(template)) {
    for (const [, name] of text.matchAll(PLACEHOLDER)) uses.set(name!, [...(uses.get(name!) ?? []), pathText(path)]);
  }
  // An unset variable with a fallback variable is a use of that one, so a missing pair is reported once.
  const resolved = new Map<string, string>();
  const needed = new Map<string, string[]>();
  for (const [name, paths] of uses) {
    const fallback = TEAMS_PACKAGE_VARIABLES[name]?.unsetUses;
    const given = value(env, name) ?? (fallback === 'package.json' ? packageVersion : fallback ? value(env, fallback) : undefined);
    if (given !== undefined) resolved.set(name, given);
    else if (fallback) needed.set(fallback, [...(needed.get(fallback) ?? []), ...paths.map((p) => `${p} unless ${name} is set`)]);
    else needed.set(name, [...(needed.get(name) ?? []), ...paths]);
  }
  const problems: string[] = [];
  for (const name of uses.keys()) {
    if (SECRET_NAME.test(name)) problems.push(`manifest.json asks for ${name}: secrets never go into the app package; remove that placeholder.`);
  }
  for (const [name, paths] of needed) {
    if (SECRET_NAME.test(name)) continue;
    problems.push(`${name} is not set: set it to ${TEAMS_PACKAGE_VARIABLES[name]?.meaning ?? 'a value'} (manifest.json uses it in ${paths.join(', ')}).`);
  }
  const domain = resolved.get('TEAMS_APP_DOMAIN');
  if (domain !== undefined && !HOST_NAME.test(domain)) {
    problems.push(`TEAMS_APP_DOMAIN must be a host name such as stepping-stones.example.org, without https:// or a path, got "${domain}".`);
  }
  if (problems.length) return { ok: false, problems };
  return { ok: true, manifest: mapStrings(template, (text) => text.replace(PLACEHOLDER, (_, name: string) => resolved.get(name)!)) };
}

// ---------------------------------------------------------------------------------------------------------------
// Icons
// ---------------------------------------------------------------------------------------------------------------

/** Width, height and whether the pixels carry alpha, from a PNG's IHDR chunk (the first chunk after the signature). */
export function pngHeader(bytes: Uint8Array): { width: number; height: number; alpha: boolean } | undefined {
  const png = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (png.length < 33 || !png.subarray(0, 8).equals(PNG_SIGNATURE) || png.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  const colorType = png[25]!;
  // Colour types 4 (grey + alpha) and 6 (RGBA) carry alpha. A palette PNG with a tRNS chunk could be transparent too;
  // it is refused rather than read further, since the icons here are drawn as RGBA.
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20), alpha: colorType === 4 || colorType === 6 };
}

async function readIcon(dir: string, kind: keyof typeof ICON_RULES, file: string, problems: string[]): Promise<Buffer | undefined> {
  const rule = ICON_RULES[kind];
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, file));
  } catch {
    problems.push(`icons.${kind}: ${file} is missing from ${relative(process.cwd(), dir) || '.'}.`);
    return undefined;
  }
  const header = pngHeader(bytes);
  if (!header) problems.push(`icons.${kind}: ${file} is not a PNG.`);
  else if (header.width !== rule.width || header.height !== rule.height) {
    problems.push(`icons.${kind}: ${file} must be ${rule.width}×${rule.height} pixels, is ${header.width}×${header.height}.`);
  } else if (rule.transparent && !header.alpha) {
    problems.push(`icons.${kind}: ${file} must be white on a transparent background (a PNG with an alpha channel).`);
  } else return bytes;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// The package
// ---------------------------------------------------------------------------------------------------------------

/** What packaging made, or why it made nothing. */
export type TeamsPackageResult =
  | { ok: true; path: string; manifest: TeamsManifest; entries: string[] }
  | { ok: false; problems: string[] };

/**
 * The Teams app package: manifest.json with its placeholders filled from `env`, checked against the manifest's rules,
 * and its two icons, zipped at the root as Teams expects. Writes nothing when anything is wrong.
 */
export async function packageTeamsApp(input: { env: Environment; outPath?: string; manifestDir?: string }): Promise<TeamsPackageResult> {
  const dir = input.manifestDir ?? TEAMS_MANIFEST_DIR;
  const { version } = JSON.parse(await readFile(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string };
  let template: unknown;
  try {
    template = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  } catch (error) {
    return { ok: false, problems: [`manifest.json in ${dir} cannot be read: ${(error as Error).message}`] };
  }
  const filled = fillManifest(template, input.env, version);
  if (!filled.ok) return filled;

  const checked = teamsManifestSchema.safeParse(filled.manifest);
  if (!checked.success) {
    return {
      ok: false,
      problems: checked.error.issues.map((issue) => {
        const from = String(valueAt(template, issue.path) ?? '').matchAll(PLACEHOLDER);
        const names = [...from].map(([, name]) => name);
        const got = valueAt(filled.manifest, issue.path);
        const shown = typeof got === 'string' ? `, got "${got}"` : '';
        return `manifest.json: ${pathText(issue.path) || 'the manifest'} ${issue.message}${shown}${names.length ? ` (from ${names.join(', ')})` : ''}.`;
      }),
    };
  }
  const manifest = checked.data;
  const problems: string[] = [];
  const color = await readIcon(dir, 'color', manifest.icons.color, problems);
  const outline = await readIcon(dir, 'outline', manifest.icons.outline, problems);
  if (!color || !outline) return { ok: false, problems };

  const entries = [
    // The filled-in manifest as the template had it (key order, unknown keys), not the schema's parse of it.
    { name: 'manifest.json', data: Buffer.from(`${JSON.stringify(filled.manifest, null, 2)}\n`, 'utf8') },
    { name: manifest.icons.color, data: color },
    { name: manifest.icons.outline, data: outline },
  ];
  const path = resolve(input.outPath ?? DEFAULT_TEAMS_PACKAGE);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, createZipArchive(entries));
  return { ok: true, path, manifest, entries: entries.map((e) => e.name) };
}

/** `stepping-stones package teams [--out FILE]` (`npm run package:teams`). */
export async function runPackageTeams(input: {
  env: Environment;
  outPath?: string | undefined;
  out: (line: string) => void;
  err: (line: string) => void;
}): Promise<number> {
  const result = await packageTeamsApp({ env: input.env, ...(input.outPath ? { outPath: input.outPath } : {}) });
  if (!result.ok) {
    for (const problem of result.problems) input.err(problem);
    return 1;
  }
  const bot = result.manifest.bots[0]!;
  const shown = relative(process.cwd(), result.path);
  input.out(`Wrote ${shown.startsWith('..') ? result.path : shown} (${result.entries.join(', ')}): app ${result.manifest.id} version ${result.manifest.version}, bot ${bot.botId}, at ${result.manifest.validDomains.join(', ')}.`);
  input.out('Upload it in the Teams admin center: Teams apps → Manage apps → Upload new app.');
  return 0;
}
