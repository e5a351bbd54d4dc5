import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, inflateRawSync } from 'node:zlib';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { afterAll, describe, expect, it } from 'vitest';
import { packageTeamsApp, pngHeader, TEAMS_MANIFEST_DIR, teamsManifestSchema } from '../../../src/cli/package-teams.ts';
import { TEAMS_COMMANDS } from '../../../src/platforms/teams/commands.ts';

const BIN = fileURLToPath(new URL('../../../bin/stepping-stones.js', import.meta.url));
const VERSION = (JSON.parse(readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8')) as { version: string }).version;
const template = JSON.parse(readFileSync(join(TEAMS_MANIFEST_DIR, 'manifest.json'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'stepping-stones-teams-package-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** `${{NAME}}`, as the manifest writes a placeholder. */
const placeholder = (name: string) => `\${{${name}}}`;

const CLIENT_ID = '2b6f0c1e-7d4a-4f0e-9a53-1c2d3e4f5a6b';
const APP_ID = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';
const SAMPLE_ENV = { TEAMS_CLIENT_ID: CLIENT_ID, TEAMS_APP_ID: APP_ID, TEAMS_APP_DOMAIN: 'stepping-stones.example.org' };

/** The entries of a ZIP archive, read from its central directory the way unzip tools do, each checked against its CRC. */
function readZip(zip: Buffer): Map<string, Buffer> {
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end -= 1;
  if (end < 0) throw new Error('no end-of-central-directory record');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i += 1) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localOffset = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    expect(zip.readUInt32LE(localOffset)).toBe(0x04034b50);
    expect(zip.toString('utf8', localOffset + 30, localOffset + 30 + zip.readUInt16LE(localOffset + 26))).toBe(name);
    const start = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const raw = zip.subarray(start, start + compressedSize);
    expect([0, 8]).toContain(method);
    const data = method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
    expect(data.length).toBe(size);
    expect(crc32(data)).toBe(crc);
    files.set(name, data);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}

async function pixels(file: string): Promise<Uint8ClampedArray> {
  const image = await loadImage(readFileSync(join(TEAMS_MANIFEST_DIR, file)));
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  return ctx.getImageData(0, 0, image.width, image.height).data;
}

function run(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, cwd: work, timeout: 90_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('the Teams app manifest', () => {
  it('has the required fields on a released schema, with placeholders where each install differs', () => {
    expect(template.manifestVersion).toMatch(/^1\.\d+$/);
    expect(template.$schema).toBe(`https://developer.microsoft.com/json-schemas/teams/v${template.manifestVersion}/MicrosoftTeams.schema.json`);
    expect(template).toMatchObject({
      version: placeholder('APP_VERSION'),
      id: placeholder('TEAMS_APP_ID'),
      name: { short: 'Stepping Stones' },
      icons: { color: 'color.png', outline: 'outline.png' },
      validDomains: [placeholder('TEAMS_APP_DOMAIN')],
    });
    for (const key of ['developer', 'name', 'description', 'icons', 'accentColor', 'bots', 'validDomains']) expect(template).toHaveProperty(key);
    for (const url of ['websiteUrl', 'privacyUrl', 'termsOfUseUrl']) expect(template.developer[url]).toMatch(/^https:\/\/\$\{\{TEAMS_APP_DOMAIN\}\}\//);
    expect(template.description.short.length).toBeLessThanOrEqual(80);
    expect(template.description.full).toMatch(/milestone/i);
    expect(template.description.full).toContain('Clinical Competency Committee');
    expect(template.permissions).toEqual(['identity', 'messageTeamMembers']);
    expect(template).not.toHaveProperty('webApplicationInfo');
  });

  it('has one bot in personal and team scopes whose command lists are exactly TEAMS_COMMANDS', () => {
    expect(template.bots).toHaveLength(1);
    const [bot] = template.bots;
    expect(bot).toMatchObject({ botId: placeholder('TEAMS_CLIENT_ID'), supportsFiles: false, isNotificationOnly: false });
    expect(bot.scopes).toEqual(expect.arrayContaining(['personal', 'team']));
    const expected = TEAMS_COMMANDS.map(({ title, description }) => ({ title, description }));
    for (const scope of bot.scopes) {
      const lists = bot.commandLists.filter((list: { scopes: string[] }) => list.scopes.includes(scope));
      expect(lists, `command list for ${scope}`).toHaveLength(1);
      expect(lists[0].commands).toEqual(expected);
    }
    for (const list of bot.commandLists) expect(list.commands).toEqual(expected);
  });

  it('ships a 192×192 colour icon and a 32×32 white-on-transparent outline icon', async () => {
    const color = readFileSync(join(TEAMS_MANIFEST_DIR, 'color.png'));
    const outline = readFileSync(join(TEAMS_MANIFEST_DIR, 'outline.png'));
    expect(pngHeader(color)).toMatchObject({ width: 192, height: 192 });
    expect(pngHeader(outline)).toEqual({ width: 32, height: 32, alpha: true });

    const outlinePixels = await pixels('outline.png');
    let opaque = 0;
    let clear = 0;
    for (let i = 0; i < outlinePixels.length; i += 4) {
      const alpha = outlinePixels[i + 3]!;
      if (alpha === 0) clear += 1;
      else expect([outlinePixels[i], outlinePixels[i + 1], outlinePixels[i + 2]]).toEqual([255, 255, 255]);
      if (alpha === 255) opaque += 1;
    }
    // Something is drawn, and the background is transparent.
    expect(opaque).toBeGreaterThan(50);
    expect(clear).toBeGreaterThan(32 * 32 * 0.5);

    const colorPixels = await pixels('color.png');
    const colours = new Set<string>();
    for (let i = 0; i < colorPixels.length; i += 4) colours.add(colorPixels.slice(i, i + 4).join(','));
    expect(colours.size).toBeGreaterThan(3);
  });
});

describe('packaging the Teams app', () => {
  it('fills every placeholder, validates, and zips manifest.json, color.png and outline.png at the root', async () => {
    const outPath = join(work, 'out', 'app.zip');
    const result = await packageTeamsApp({ env: SAMPLE_ENV, outPath });
    expect(result).toMatchObject({ ok: true, path: outPath, entries: ['manifest.json', 'color.png', 'outline.png'] });

    const files = readZip(readFileSync(outPath));
    expect([...files.keys()]).toEqual(['manifest.json', 'color.png', 'outline.png']);
    expect(files.get('color.png')!.equals(readFileSync(join(TEAMS_MANIFEST_DIR, 'color.png')))).toBe(true);
    expect(files.get('outline.png')!.equals(readFileSync(join(TEAMS_MANIFEST_DIR, 'outline.png')))).toBe(true);
    const text = files.get('manifest.json')!.toString('utf8');
    expect(text).not.toContain('${{');
    const manifest = JSON.parse(text);
    expect(teamsManifestSchema.safeParse(manifest).success).toBe(true);
    expect(manifest).toMatchObject({
      id: APP_ID,
      version: VERSION,
      bots: [{ botId: CLIENT_ID }],
      validDomains: ['stepping-stones.example.org'],
      developer: { websiteUrl: 'https://stepping-stones.example.org/', privacyUrl: 'https://stepping-stones.example.org/privacy' },
    });
    // Everything but the placeholders is the template's, in its order.
    expect(Object.keys(manifest)).toEqual(Object.keys(template));
    expect(manifest.bots[0].commandLists).toEqual(template.bots[0].commandLists);
  });

  it('takes the client id as app id and package.json’s version when those are unset, and APP_VERSION when set', async () => {
    const outPath = join(work, 'defaults.zip');
    const result = await packageTeamsApp({ env: { TEAMS_CLIENT_ID: CLIENT_ID, TEAMS_APP_DOMAIN: 'bot.example.org', APP_VERSION: '' }, outPath });
    expect(result.ok).toBe(true);
    expect(JSON.parse(readZip(readFileSync(outPath)).get('manifest.json')!.toString('utf8'))).toMatchObject({ id: CLIENT_ID, version: VERSION });

    const versioned = await packageTeamsApp({ env: { ...SAMPLE_ENV, APP_VERSION: '2.3.4' }, outPath });
    expect(versioned).toMatchObject({ ok: true, manifest: { version: '2.3.4' } });
  });

  it('refuses a missing variable with one sentence naming it, and writes nothing', async () => {
    const outPath = join(work, 'missing.zip');
    const result = await packageTeamsApp({ env: { TEAMS_CLIENT_ID: CLIENT_ID }, outPath });
    expect(result).toEqual({
      ok: false,
      problems: [
        'TEAMS_APP_DOMAIN is not set: set it to the host name the bot is reached at, such as stepping-stones.example.org (manifest.json uses it in developer.websiteUrl, developer.privacyUrl, developer.termsOfUseUrl, validDomains[0]).',
      ],
    });
    expect(existsSync(outPath)).toBe(false);

    // Without the client id, the app id that falls back to it is part of the same sentence.
    const noIds = await packageTeamsApp({ env: { TEAMS_APP_DOMAIN: 'bot.example.org' }, outPath });
    expect(noIds).toEqual({
      ok: false,
      problems: [
        "TEAMS_CLIENT_ID is not set: set it to the bot's Microsoft Entra app (client) id, a GUID (manifest.json uses it in id unless TEAMS_APP_ID is set, bots[0].botId).",
      ],
    });
  });

  it('refuses values Teams would reject, naming the variable they came from', async () => {
    const outPath = join(work, 'invalid.zip');
    const badIds = await packageTeamsApp({ env: { ...SAMPLE_ENV, TEAMS_CLIENT_ID: 'my-bot', APP_VERSION: '1.0' }, outPath });
    expect(badIds).toEqual({
      ok: false,
      problems: [
        'manifest.json: version must be three numbers such as 1.0.0, got "1.0" (from APP_VERSION).',
        'manifest.json: bots[0].botId must be a GUID such as 2b6f0c1e-7d4a-4f0e-9a53-1c2d3e4f5a6b, got "my-bot" (from TEAMS_CLIENT_ID).',
      ],
    });
    const url = await packageTeamsApp({ env: { ...SAMPLE_ENV, TEAMS_APP_DOMAIN: 'https://bot.example.org/' }, outPath });
    expect(url).toEqual({
      ok: false,
      problems: ['TEAMS_APP_DOMAIN must be a host name such as stepping-stones.example.org, without https:// or a path, got "https://bot.example.org/".'],
    });
    expect(existsSync(outPath)).toBe(false);
  });

  it('refuses a placeholder for a secret and icons of the wrong size', async () => {
    const dir = join(work, 'edited');
    mkdirSync(dir);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...template, developer: { ...template.developer, name: placeholder('TEAMS_CLIENT_SECRET') } }));
    // The icons swapped: each has the other's size.
    copyFileSync(join(TEAMS_MANIFEST_DIR, 'outline.png'), join(dir, 'color.png'));
    copyFileSync(join(TEAMS_MANIFEST_DIR, 'color.png'), join(dir, 'outline.png'));
    const secret = await packageTeamsApp({ env: { ...SAMPLE_ENV, TEAMS_CLIENT_SECRET: 'shh' }, manifestDir: dir, outPath: join(work, 'edited.zip') });
    expect(secret).toEqual({
      ok: false,
      problems: ['manifest.json asks for TEAMS_CLIENT_SECRET: secrets never go into the app package; remove that placeholder.'],
    });

    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(template));
    const icons = await packageTeamsApp({ env: SAMPLE_ENV, manifestDir: dir, outPath: join(work, 'edited.zip') });
    expect(icons).toEqual({
      ok: false,
      problems: ['icons.color: color.png must be 192×192 pixels, is 32×32.', 'icons.outline: outline.png must be 32×32 pixels, is 192×192.'],
    });
  });

  it('`stepping-stones package teams` writes dist/stepping-stones-teams.zip, or exits 1 with one line and no stack', async () => {
    const missing = await run(['package', 'teams'], { TEAMS_CLIENT_ID: CLIENT_ID });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/^TEAMS_APP_DOMAIN is not set/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);

    const made = await run(['package', 'teams'], SAMPLE_ENV);
    expect(made).toMatchObject({ code: 0, stderr: '' });
    expect(made.stdout).toContain('Wrote dist/stepping-stones-teams.zip (manifest.json, color.png, outline.png)');
    expect([...readZip(readFileSync(join(work, 'dist', 'stepping-stones-teams.zip'))).keys()]).toEqual(['manifest.json', 'color.png', 'outline.png']);

    const elsewhere = await run(['package', 'teams', '--out', 'teams/app.zip'], SAMPLE_ENV);
    expect(elsewhere.code).toBe(0);
    expect(existsSync(join(work, 'teams', 'app.zip'))).toBe(true);
    // Three starts of the whole CLI: slow on a loaded machine.
  }, 180_000);
});
