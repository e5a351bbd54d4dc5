/** Slack's mrkdwn spelling of the model's limited markdown, and escaping of text that must not be read as markup. */
import { type MarkdownDialect, renderMarkdown } from '../../../messages/markdown.ts';
import { type TruncateOptions, truncateText } from '../../../messages/text.ts';

/** Slack reads &, < and > as control characters in every text object, so literal ones must be entities. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export const mrkdwnDialect: MarkdownDialect = {
  text: escapeMrkdwn,
  bold: (inner) => `*${inner}*`,
  italic: (inner) => `_${inner}_`,
  // A "|" would end the URL part of <url|text> early.
  link: (url, text) => `<${escapeMrkdwn(url).replace(/\|/g, '%7C')}|${escapeMrkdwn(text).replace(/\|/g, '/')}>`,
  bullet: (line) => `• ${line}`,
  joinLines: (_lines, rendered) => rendered.join('\n'),
};

export function toMrkdwn(markdown: string): string {
  return renderMarkdown(markdown, mrkdwnDialect);
}

/** Moves a cut out of a <link|text> or an &entity; so truncation never leaves broken markup behind. */
function mrkdwnSafeCut(text: string, cut: number): number {
  let safe = cut;
  const open = text.lastIndexOf('<', safe - 1);
  if (open > text.lastIndexOf('>', safe - 1)) safe = open;
  const amp = text.lastIndexOf('&', safe - 1);
  if (amp >= 0 && safe - amp <= 5) {
    const semi = text.indexOf(';', amp);
    if (semi === -1 || semi >= safe) safe = amp;
  }
  return safe;
}

const mrkdwnTruncation: TruncateOptions = { adjustCut: mrkdwnSafeCut };

/** Renders the model's markdown and fits it into `max` characters, visibly. */
export function fitMrkdwn(markdown: string, max: number): string {
  return truncateText(toMrkdwn(markdown), max, mrkdwnTruncation);
}

/** Fits already-rendered mrkdwn into `max` characters, visibly. */
export function fitRenderedMrkdwn(mrkdwn: string, max: number): string {
  return truncateText(mrkdwn, max, mrkdwnTruncation);
}
