/**
 * The model's limited markdown: *bold*, _italic_, [text](https://link) and "- " bullet lines. Parsed once here so
 * each renderer only decides how to spell the pieces (Slack mrkdwn, Adaptive Card markdown, plain text).
 */

/** A run of inline text. */
export type Inline =
  | { kind: 'text'; text: string }
  | { kind: 'bold'; children: Inline[] }
  | { kind: 'italic'; children: Inline[] }
  | { kind: 'link'; url: string; text: string };

/** One line of a paragraph; bullets lose their "- " marker here and get the platform's own. */
export interface MarkdownLine {
  bullet: boolean;
  inlines: Inline[];
}

// Emphasis markers only count at word edges so snake_case ids and 2*3 stay literal.
const INLINE_TOKEN =
  /\[([^\]\n]+)\]\(((?:https?:\/\/|mailto:)[^\s)]+)\)|(?<![\p{L}\p{N}*])\*(?=\S)([^*\n]*?\S)\*(?![\p{L}\p{N}*])|(?<![\p{L}\p{N}_])_(?=\S)([^_\n]*?\S)_(?![\p{L}\p{N}_])/gu;

const BULLET = /^\s*[-•*]\s+/;

export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let last = 0;
  for (const match of text.matchAll(INLINE_TOKEN)) {
    const start = match.index;
    if (start > last) out.push({ kind: 'text', text: text.slice(last, start) });
    const [, linkText, linkUrl, bold, italic] = match;
    if (linkText !== undefined && linkUrl !== undefined) out.push({ kind: 'link', url: linkUrl, text: linkText });
    else if (bold !== undefined) out.push({ kind: 'bold', children: parseInline(bold) });
    else if (italic !== undefined) out.push({ kind: 'italic', children: parseInline(italic) });
    last = start + match[0].length;
  }
  if (last < text.length) out.push({ kind: 'text', text: text.slice(last) });
  return out;
}

export function parseMarkdown(text: string): MarkdownLine[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => {
      const bullet = BULLET.exec(line);
      return bullet
        ? { bullet: true, inlines: parseInline(line.slice(bullet[0].length)) }
        : { bullet: false, inlines: parseInline(line) };
    });
}

/** How one platform spells each piece of the limited markdown. */
export interface MarkdownDialect {
  text(text: string): string;
  bold(inner: string): string;
  italic(inner: string): string;
  link(url: string, text: string): string;
  bullet(line: string): string;
  joinLines(lines: readonly MarkdownLine[], rendered: readonly string[]): string;
}

function renderInline(inline: Inline, dialect: MarkdownDialect): string {
  switch (inline.kind) {
    case 'text':
      return dialect.text(inline.text);
    case 'bold':
      return dialect.bold(renderInlines(inline.children, dialect));
    case 'italic':
      return dialect.italic(renderInlines(inline.children, dialect));
    case 'link':
      return dialect.link(inline.url, inline.text);
  }
}

function renderInlines(inlines: readonly Inline[], dialect: MarkdownDialect): string {
  return inlines.map((inline) => renderInline(inline, dialect)).join('');
}

export function renderMarkdown(text: string, dialect: MarkdownDialect): string {
  const lines = parseMarkdown(text);
  const rendered = lines.map((line) => {
    const body = renderInlines(line.inlines, dialect);
    return line.bullet ? dialect.bullet(body) : body;
  });
  return dialect.joinLines(lines, rendered);
}

/** Plain text for fallbacks, headers and other places that show no formatting. */
export const plainDialect: MarkdownDialect = {
  text: (text) => text,
  bold: (inner) => inner,
  italic: (inner) => inner,
  link: (url, text) => (text === url ? url : `${text} (${url})`),
  bullet: (line) => `• ${line}`,
  joinLines: (_lines, rendered) => rendered.join('\n'),
};

export function toPlainText(markdown: string): string {
  return renderMarkdown(markdown, plainDialect);
}
