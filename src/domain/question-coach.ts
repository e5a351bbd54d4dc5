import {
  fillTemplate,
  type QuestionTemplate,
  SUBCOMPETENCY_TOKEN,
  templatesFor,
} from './question-templates.ts';

/** Longest question a resident may send; a faculty member reads it on a phone between patients. */
export const MAX_QUESTION_LENGTH = 500;

/** Questions shorter than this many words rarely say what the resident wants to hear about. */
export const MIN_QUESTION_WORDS = 6;

/** Questions shorter than this many characters rarely say what the resident wants to hear about. */
export const MIN_QUESTION_CHARACTERS = 25;

/** What the coach is given: the resident's question, and what they picked in the form. */
export interface CoachQuestionInput {
  question: string;
  subcompetency?: { code: string; name: string };
  /** The template library; without it the coach falls back on two built-in examples. */
  templates?: readonly QuestionTemplate[];
}

/** The coach's verdict: a question to send as it is, or why it is vague and a concrete question to try. */
export type CoachVerdict = { verdict: 'specific' } | { verdict: 'vague'; reasons: string[]; suggestion: string };

/** The reasons the coach gives, worded for the resident who reads them under their question. */
export const COACH_REASONS = {
  empty: 'it is empty',
  tooLong: `it is longer than ${MAX_QUESTION_LENGTH} characters`,
  unfilled: 'it still has a blank to fill in',
  checkIn: 'it is a general check-in, not a question about one skill',
  tooShort: 'it is too short to say what you want feedback on',
  noSkill: "it doesn't name a skill or situation",
} as const;

// Used when the caller has not loaded the library (and as a last resort after it), so the coach always has a
// concrete question to offer. They repeat two entries of content/question-templates.yaml on purpose.
const BUILT_IN_TEMPLATES: readonly QuestionTemplate[] = [
  {
    id: 'make-it-more',
    competencies: 'any',
    text: 'How can I make my {artifact} more {quality}?',
    slots: {
      artifact: { label: 'What you presented, wrote or led', example: 'morning presentation', suggestions: [] },
      quality: { label: 'How you want it to be', example: 'concise', suggestions: [] },
    },
    fits: [{ topics: ['reasoning', 'diagnos'], values: { artifact: 'differential diagnosis', quality: 'prioritized' } }],
  },
  {
    id: 'improve-next-time',
    competencies: 'any',
    text: 'What should I do differently next time to improve my {skill}?',
    slots: { skill: { label: 'Skill', example: 'sign-out to the night team', suggestions: [] } },
    fits: [{ topics: 'any', values: { skill: SUBCOMPETENCY_TOKEN } }],
  },
];

// --- Text normalization -------------------------------------------------------------------------------------

// Lower case, apostrophes dropped ("how'd" → "howd"), "&" spelled out ("H&P" → "h and p"), everything else that
// is not a letter or digit turned into single spaces. Both the question and the vocabulary go through it.
function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/['’‘`]/g, '')
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

function countWords(text: string): number {
  return text.split(/\s+/).filter((word) => /[\p{L}\p{N}]/u.test(word)).length;
}

// --- Generic check-ins ----------------------------------------------------------------------------------------

// Greetings, hedges and time qualifiers wrap a check-in without making it specific ("Hi Dr Lee, how am I doing
// so far on this rotation?"), so they are peeled off before the core phrase is compared.
const LEADING_FILLER =
  /^(?:hi|hey|hello|dear|good (?:morning|afternoon|evening)|so|ok|okay|um|well|quick question|question|sorry(?: to bother you)?|just (?:wondering|checking in|checking)|i was wondering|wondering|checking in|please|(?:dr|doctor) [a-z]+|(?:can|could|would) you (?:tell me|let me know)|let me know|tell me|i wanted to (?:ask|know)|wanted to (?:ask|know))\s+/;
const TRAILING_FILLER =
  /\s+(?:please|thanks|thank you|thx|so far|overall|lately|recently|in general|at all|for me|from you|again|today|tonight|yesterday|(?:dr|doctor) [a-z]+|(?:on|in|at|during|for|over) (?:service|call|nights|wards|clinic)|(?:(?:on|in|at|during|for|over) )?(?:this|the|my|last|today|todays) (?:morning|afternoon|evening|rotation|block|week|month|shift|call|service|ward|wards|clinic|day|night)|on|about|for|in|during|regarding)$/;

const ABOUT_ME = '(?: (?:for|on|about|regarding|of) (?:me|my performance|my work|how i did|how im doing|how i am doing|how i performed|that|this|it))?';
const SOME = '(?:some |any |your |a bit of |more |a little )?';
const VERDICT_WORD = '(?:ok|okay|alright|all right|good|fine|acceptable|right|bad|well|badly)';

const CHECK_INS: readonly RegExp[] = [
  'how (?:am|m|are) (?:i|we) (?:doing|going|performing|progressing|getting on)',
  'how (?:im|i am|i was|i did|i performed|i have been doing|ive been doing)(?: doing)?',
  'how (?:did|do|have) i (?:do|done|perform|performed|go|been|been doing)',
  'howd i do',
  'how (?:was|is|am) i',
  'how (?:was|is|has been|did) (?:my|that) (?:performance|work|day|shift|week|rotation|go)',
  `(?:(?:do you have|have you got|got|are there|is there|you have|have) )?any (?:feedback|thoughts|comments|suggestions|advice|tips|notes|pointers|input|concerns)${ABOUT_ME}`,
  `(?:feedback|thoughts|comments|suggestions|advice|input|critiques?)${ABOUT_ME}`,
  `(?:(?:can|could|may|might) (?:i|you) (?:get|have|give me|send me|share|offer)|(?:give|send) me|i (?:would|d) (?:like|love|appreciate)|id (?:like|love|appreciate)|i want|(?:im )?looking for|requesting) ${SOME}(?:feedback|thoughts|input|comments|advice)${ABOUT_ME}`,
  `(?:was|is) (?:that|this|it|i|everything) ${VERDICT_WORD}`,
  `did i do (?:${VERDICT_WORD}|anything wrong|a good job)`,
  'what (?:do|did) you think(?: (?:of|about) (?:me|my performance|my work|that|it|how i did))?',
  '(?:is there )?(?:anything|something|things) (?:i (?:should|could|can|need to|ought to) )?(?:improve|improve on|work on|do better|do differently|change)',
  '(?:how|where|what) (?:can|could|should|do) i (?:improve|improve on|work on|do better|get better|do differently|change)',
  'what (?:can|could|should) i do better',
  'what (?:are|were|is) my (?:strengths|weaknesses|strengths and weaknesses|weak spots|areas (?:for|of) improvement|areas to (?:improve|work on))',
].map((pattern) => new RegExp(`^(?:${pattern})$`));

function isCheckIn(normalized: string): boolean {
  let core = normalized;
  for (let previous = ''; previous !== core; ) {
    previous = core;
    core = core.replace(LEADING_FILLER, '').replace(TRAILING_FILLER, '');
  }
  return CHECK_INS.some((pattern) => pattern.test(core));
}

// --- Skills, activities and situations -------------------------------------------------------------------------

// Normalized spellings. A trailing * takes any ending ("diagnos*": diagnosis, diagnostic); other terms take the
// usual inflections (s, es, ed, ing). Kept to things a faculty member could watch or read.
const SKILL_TERMS: readonly string[] = [
  // presenting and writing
  'presentation*', 'present', 'oral presentation', 'note', 'progress note', 'write up', 'writeup', 'h and p',
  'history and physical', 'documentation', 'document', 'chart*', 'discharge*', 'summary', 'summaries',
  // handing over
  'handoff*', 'hand off*', 'handover*', 'hand over', 'sign out*', 'signout*', 'ipass', 'i pass',
  // reasoning and knowledge
  'differential*', 'diagnos*', 'problem representation', 'one liner', 'assessment', 'reasoning', 'clinical reason*',
  'workup', 'work up', 'physiolog*', 'pathophysiolog*', 'pharmacolog*', 'mechanism', 'guideline', 'evidence',
  'literature', 'journal club', 'morning report', 'interpret*', 'ekg*', 'ecg*', 'imaging', 'lab', 'test', 'testing',
  // examining and managing
  'exam', 'examin*', 'physical exam*', 'history', 'histories', 'history taking', 'manag*', 'treatment', 'therap*',
  'medication*', 'med rec', 'dosing', 'dose', 'prescri*', 'antibiotic*', 'anticoagula*', 'insulin', 'diuretic*',
  'ventilator*', 'triag*', 'prioriti*', 'admission*', 'admit', 'cross cover*', 'rounds', 'rounding', 'pre round*',
  'order*', 'consult*', 'page', 'paging', 'pager', 'rapid response*', 'code', 'code status', 'resuscitat*',
  // procedures
  'procedur*', 'central line*', 'arterial line*', 'art line*', 'paracentes*', 'thoracentes*', 'lumbar puncture*',
  'lp', 'intubat*', 'airway*', 'ultrasound*', 'pocus', 'sutur*', 'arthrocentes*', 'biops*', 'technique',
  // common presentations, so "the patient with syncope" names a situation
  'chest pain', 'dyspnea', 'shortness of breath', 'syncope', 'sepsis', 'pneumonia', 'heart failure', 'delirium',
  'hyperkalemia', 'hyponatremia', 'atrial fibrillation', 'gi bleed', 'dka', 'stroke', 'kidney injury', 'aki',
  // talking with patients, families and colleagues
  'family', 'families', 'family meeting*', 'goals of care', 'bad news', 'disclos*', 'consent', 'empath*',
  'shared decision*', 'patient education', 'counsel*', 'explain*', 'explanation*', 'teach back', 'listen*',
  'rapport', 'bedside manner', 'communicat*', 'nurse*', 'nursing', 'pharmacist*', 'case manag*', 'social work*',
  'interprofessional', 'consultant*', 'conflict*', 'disagree*', 'email*', 'inbox', 'interpreter*',
  // leading, teaching and organizing
  'teach*', 'lead', 'leading', 'led', 'leader*', 'delegat*', 'supervis*', 'intern', 'interns', 'student*',
  'time management', 'efficien*', 'organiz*', 'workload', 'follow up*', 'following up', 'followed up',
  'close the loop', 'closed the loop', 'closing the loop', 'escalat*', 'ask for help', 'asked for help',
  'asking for help', 'pending', 'result',
  // systems, improvement, professionalism, well-being
  'patient safety', 'safety', 'incident report*', 'quality improvement', 'qi', 'transition*', 'readmission*',
  'cost*', 'coordinat*', 'rehab', 'hospice', 'insurance', 'allerg*', 'error*', 'mistake*', 'near miss*', 'gift*',
  'ethic*', 'confidential*', 'accountab*', 'professionalism',
  'punctual*', 'burnout', 'burn out', 'burning out', 'well being', 'wellbeing', 'wellness', 'fatigue', 'self care',
  'telehealth', 'telemedicine', 'video visit*', 'visit', 'clinic', 'learning plan',
];

function termPattern(term: string): string {
  return term.endsWith('*') ? `${term.slice(0, -1)}[a-z0-9]*` : `${term}(?:s|es|ed|d|ing)?`;
}

const SKILL_PATTERN = new RegExp(
  [
    `(?:^| )(?:${SKILL_TERMS.map(termPattern).join('|')})(?= |$)`,
    // "plan" the noun, not "I plan to" the verb.
    '(?:^| )plans?(?= |$)(?! (?:to|on)(?: |$))',
    // A bed or room number points at one patient encounter.
    '(?:^| )(?:bed|room) [0-9]+',
  ].join('|'),
);

// Words of a subcompetency name that say nothing about a skill on their own ("Patient Care", "Systems").
const NAME_STOP_WORDS = new Set([
  'and', 'or', 'of', 'the', 'a', 'an', 'for', 'to', 'in', 'on', 'with', 'within', 'based', 'informed', 'applied',
  'patient', 'patients', 'care', 'health', 'healthcare', 'system', 'systems', 'systemic', 'practice', 'physician',
  'role', 'personal', 'individual', 'factors', 'knowledge', 'clinical', 'medical', 'commitment', 'growth',
  'improvement', 'quality', 'well', 'being', 'centered', 'skills',
]);

// A crude stemmer, enough for a name word to match its relatives in a question ("Ethical" → ethics,
// "Accountability" → accountable, "Interprofessional" → interprofessionally).
const SUFFIXES = ['ability', 'ization', 'ation', 'ition', 'ional', 'ness', 'ment', 'ing', 'ity', 'ive', 'ial', 'al', 'ic', 's'];

function stem(word: string): string {
  for (const suffix of SUFFIXES) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 4) {
      return suffix === 'ability' ? `${word.slice(0, -suffix.length)}ab` : word.slice(0, -suffix.length);
    }
  }
  return word;
}

function nameStems(name: string): string[] {
  return normalize(name)
    .split(' ')
    .filter((word) => word.length >= 3 && !NAME_STOP_WORDS.has(word))
    .map(stem);
}

function namesSkill(normalized: string, subcompetencyName: string | undefined): boolean {
  if (SKILL_PATTERN.test(normalized)) return true;
  if (subcompetencyName === undefined) return false;
  const words = normalized.split(' ');
  return nameStems(subcompetencyName).some((prefix) => words.some((word) => word.startsWith(prefix)));
}

// --- Suggestions --------------------------------------------------------------------------------------------

function topicMatches(topics: readonly string[], subcompetencyName: string): boolean {
  const name = ` ${normalize(subcompetencyName)}`;
  return topics.some((topic) => name.includes(` ${topic}`));
}

// Names read inside a sentence: "Clinical Reasoning" → "clinical reasoning", but acronyms keep their capitals.
function inSentence(name: string): string {
  return name
    .trim()
    .split(/\s+/)
    .map((word) => (/[A-Z].*[A-Z]/.test(word) ? word : word.toLowerCase()))
    .join(' ');
}

function exampleQuestion(
  subcompetency: { code: string; name: string } | undefined,
  templates: readonly QuestionTemplate[],
): string {
  if (subcompetency === undefined) {
    const pool = [...templates, ...BUILT_IN_TEMPLATES].filter((template) => template.competencies === 'any');
    for (const template of pool) {
      const values = Object.fromEntries(Object.entries(template.slots).map(([slot, { example }]) => [slot, example]));
      const filled = fillTemplate(template, values);
      if (filled.ok) return filled.question;
    }
    return 'How can I make my morning presentation more concise?';
  }

  const pool = [...templatesFor(templates, subcompetency.code), ...BUILT_IN_TEMPLATES];
  const skill = inSentence(subcompetency.name);
  // Two passes: a template written for this kind of subcompetency beats a catch-all wherever it sits.
  for (const wanted of ['topic', 'any'] as const) {
    for (const template of pool) {
      for (const fit of template.fits) {
        const matches =
          wanted === 'any' ? fit.topics === 'any' : fit.topics !== 'any' && topicMatches(fit.topics, subcompetency.name);
        if (!matches) continue;
        const values = Object.fromEntries(
          Object.entries(fit.values).map(([slot, value]) => [slot, value.replaceAll(SUBCOMPETENCY_TOKEN, skill)]),
        );
        const filled = fillTemplate(template, values);
        if (filled.ok) return filled.question;
      }
    }
  }
  return `What should I do differently next time to improve my ${skill}?`;
}

/**
 * Judges whether a feedback question is specific enough to send. A specific question passes untouched (the
 * coach never rewrites what the resident wrote); a vague one comes back with short reasons and one concrete
 * question to try, built from the chosen subcompetency and the template library. Deterministic and offline.
 */
export function coachQuestion({ question, subcompetency, templates = [] }: CoachQuestionInput): CoachVerdict {
  const text = question.trim();
  const vague = (reasons: string[]): CoachVerdict => ({
    verdict: 'vague',
    reasons,
    suggestion: `Try: "${exampleQuestion(subcompetency, templates)}"`,
  });

  if (text === '') return vague([COACH_REASONS.empty]);
  if (text.length > MAX_QUESTION_LENGTH) return vague([COACH_REASONS.tooLong]);

  const reasons: string[] = [];
  if (/\{[a-z_]+\}/.test(text)) reasons.push(COACH_REASONS.unfilled);
  const normalized = normalize(text);
  if (isCheckIn(normalized)) reasons.push(COACH_REASONS.checkIn);
  else if (countWords(text) < MIN_QUESTION_WORDS || text.length < MIN_QUESTION_CHARACTERS) {
    reasons.push(COACH_REASONS.tooShort);
  }
  // "in order to" would otherwise count as talking about orders.
  if (!namesSkill(normalized.replace(/(?:^| )in order to(?= |$)/g, ' '), subcompetency?.name)) {
    reasons.push(COACH_REASONS.noSkill);
  }
  return reasons.length === 0 ? { verdict: 'specific' } : vague(reasons);
}
