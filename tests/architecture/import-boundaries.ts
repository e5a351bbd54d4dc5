import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Chat SDKs the platform-neutral layers must never import. */
export const CHAT_SDK = /^@(slack|microsoft)\//;

// Static imports, re-exports, dynamic import() and require(): every way a module can pull another in.
const IMPORT_SPECIFIER = /(?:\bimport\s+(?:type\s+)?(?:[^'"`;]*?\sfrom\s+)?|\bexport\s+[^'"`;]*?\sfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*)['"`]([^'"`]+)['"`]/g;

/** One import of a chat SDK found in a platform-neutral file. */
export interface BoundaryViolation {
  file: string;
  line: number;
  specifier: string;
}

function* sourceFiles(folder: string): Generator<string> {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|tsx|js|mjs|cjs)$/.test(entry.name)) yield path;
  }
}

/** Scans `<root>/src/domain` and `<root>/src/core` for chat SDK imports. */
export function findChatSdkImports(root: string): BoundaryViolation[] {
  const violations: BoundaryViolation[] = [];
  for (const layer of ['src/domain', 'src/core']) {
    let files: string[];
    try {
      files = [...sourceFiles(join(root, layer))];
    } catch {
      continue;
    }
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(IMPORT_SPECIFIER)) {
        const specifier = match[1]!;
        if (!CHAT_SDK.test(specifier)) continue;
        const at = match.index + match[0].lastIndexOf(specifier);
        const line = text.slice(0, at).split('\n').length;
        violations.push({ file: relative(root, file), line, specifier });
      }
    }
  }
  return violations;
}
