import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMilestoneSet } from '../../src/domain/milestone-set.ts';
import { COACH_REASONS, type CoachVerdict, coachQuestion, MAX_QUESTION_LENGTH } from '../../src/domain/question-coach.ts';
import { loadQuestionTemplates, QUESTION_TEMPLATES_PATH } from '../../src/domain/question-templates.ts';

const templates = loadQuestionTemplates(readFileSync(QUESTION_TEMPLATES_PATH, 'utf8'));

const PC3 = { code: 'PC3', name: 'Clinical Reasoning' };
const ICS2 = { code: 'ICS2', name: 'Interprofessional and Team Communication' };
const PBLI2 = { code: 'PBLI2', name: 'Reflective Practice and Commitment to Personal Growth' };

function vague(verdict: CoachVerdict) {
  if (verdict.verdict !== 'vague') throw new Error(`expected a vague verdict, got ${JSON.stringify(verdict)}`);
  return verdict;
}

describe('coachQuestion refuses generic check-ins with a suggestion for the chosen skill', () => {
  const checkIns = ['How am I doing?', 'Any feedback?', 'how did i do??', 'Thoughts?'];

  it.each(checkIns)('%s (PC3 Clinical Reasoning)', (question) => {
    const verdict = vague(coachQuestion({ question, subcompetency: PC3, templates }));
    expect(verdict.reasons).toContain(COACH_REASONS.checkIn);
    expect(verdict.reasons).toContain(COACH_REASONS.noSkill);
    expect(verdict.suggestion).toBe('Try: "How can I make my differential diagnosis more prioritized?"');
  });

  it.each(checkIns)('%s (ICS2 Interprofessional and Team Communication)', (question) => {
    const verdict = vague(coachQuestion({ question, subcompetency: ICS2, templates }));
    expect(verdict.reasons).toContain(COACH_REASONS.checkIn);
    expect(verdict.suggestion).toBe('Try: "How can I communicate better with the nurses when a patient\'s plan changes?"');
  });
});

describe('coachQuestion accepts specific questions untouched', () => {
  it.each([
    'How can I make my morning presentation more concise?',
    'What is one thing I did well and one thing to change in the family meeting for bed 12?',
    'I have a goal of placing a central line independently — what do you recommend?',
  ])('%s', (question) => {
    // Exactly the verdict and nothing else: the coach never offers a rewrite of a good question.
    expect(coachQuestion({ question, subcompetency: PC3, templates })).toEqual({ verdict: 'specific' });
    expect(coachQuestion({ question })).toEqual({ verdict: 'specific' });
  });
});

describe(`coachQuestion and the ${MAX_QUESTION_LENGTH}-character limit`, () => {
  const specific = 'How can I make my morning presentation more concise? ';

  it('refuses a 501-character question, naming the limit', () => {
    const question = specific.repeat(10).slice(0, MAX_QUESTION_LENGTH + 1);
    expect(question).toHaveLength(501);
    const verdict = vague(coachQuestion({ question, templates }));
    expect(verdict.reasons).toEqual([COACH_REASONS.tooLong]);
    expect(verdict.reasons[0]).toContain('500');
    expect(verdict.suggestion).toMatch(/^Try: "/);
  });

  it('accepts a specific question of exactly 500 characters, and ignores surrounding whitespace', () => {
    const question = specific.repeat(10).slice(0, MAX_QUESTION_LENGTH);
    expect(coachQuestion({ question: `  ${question}\n`, templates })).toEqual({ verdict: 'specific' });
  });
});

type Case = [question: string, expected: 'specific' | readonly string[], subcompetency?: { code: string; name: string }];

const R = COACH_REASONS;
const CASES: readonly Case[] = [
  // generic check-ins and their close variants
  ['How am I doing?', [R.checkIn, R.noSkill]],
  ['HOW AM I DOING SO FAR ON THIS ROTATION?!', [R.checkIn, R.noSkill]],
  ['Hi Dr. Patel, how am I doing?', [R.checkIn, R.noSkill]],
  ['Any feedback?', [R.checkIn, R.noSkill]],
  ['Do you have any feedback for me?', [R.checkIn, R.noSkill]],
  ['any thoughts...', [R.checkIn, R.noSkill]],
  ['How did I do today?', [R.checkIn, R.noSkill]],
  ["How'd I do?", [R.checkIn, R.noSkill]],
  ['Feedback please', [R.checkIn, R.noSkill]],
  ['Please give me some feedback.', [R.checkIn, R.noSkill]],
  ['Could I get some feedback on my performance this week?', [R.checkIn, R.noSkill]],
  ['Was that ok?', [R.checkIn, R.noSkill]],
  ['Was that alright?', [R.checkIn, R.noSkill]],
  ['Thoughts on my performance?', [R.checkIn, R.noSkill]],
  ['What do you think?', [R.checkIn, R.noSkill]],
  ['Is there anything I should improve on?', [R.checkIn, R.noSkill]],
  ['How did I do in clinic today?', [R.checkIn]],
  ['Thoughts on today?', [R.checkIn, R.noSkill]],
  ['Please let me know how I am doing on service.', [R.checkIn, R.noSkill]],
  ['What are my strengths and weaknesses?', [R.checkIn, R.noSkill]],
  // too short, or nothing named
  ['', [R.empty]],
  ['   ', [R.empty]],
  ['Feedback on my handoff?', [R.tooShort]],
  ['Sign-out?', [R.tooShort]],
  ['What could I have done better this week overall?', [R.noSkill]],
  ['I have a goal of becoming a better doctor — what do you recommend?', [R.noSkill]],
  ['What should I do in order to be more effective?', [R.noSkill]],
  ['How can I make my {artifact} more {quality}?', [R.unfilled, R.noSkill]],
  ['How can I be a better member of the team on busy days?', [R.noSkill]],
  ['How can I reflect more usefully after a difficult day?', [R.noSkill]],
  // specific questions
  ['How can I make my morning presentation more concise?', 'specific'],
  ['What should I do differently next time to improve my central line technique?', 'specific'],
  ['What can I do differently next time to improve my presentation?', 'specific'],
  ['Was my differential for the patient with chest pain prioritized well?', 'specific'],
  ['How could my H&P for the new admission be more organized?', 'specific'],
  ['How did I do leading the code this morning?', 'specific'],
  ['What would make my sign-out to the night team clearer?', 'specific'],
  ['How can I delegate better to the interns on a busy call day?', 'specific'],
  ['Any suggestions on how I explained the diagnosis to the family?', 'specific'],
  ['What should I change about my LP technique before doing one alone?', 'specific'],
  ['How can I communicate better with nurses when the plan changes?', 'specific'],
  ['Was my paracentesis setup sterile enough and efficient?', 'specific'],
  // the chosen subcompetency's name counts as naming the skill
  ['How can I be a better member of the team on busy days?', 'specific', ICS2],
  ['How can I reflect more usefully after a difficult day?', 'specific', PBLI2],
  ['What should I work on to make my clinical reasoning sharper?', 'specific', PC3],
  ['Any feedback?', [R.checkIn, R.noSkill], PC3],
];

describe('coachQuestion, table of cases', () => {
  it('has at least 20 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(20);
  });

  it.each(CASES)('%j → %j (%j)', (question, expected, subcompetency) => {
    const verdict = coachQuestion(subcompetency ? { question, subcompetency, templates } : { question, templates });
    if (expected === 'specific') {
      expect(verdict).toEqual({ verdict: 'specific' });
    } else {
      const { reasons, suggestion } = vague(verdict);
      expect(reasons).toEqual(expected);
      expect(suggestion).toMatch(/^Try: ".+\?"$/);
    }
  });
});

describe('coachQuestion suggestions', () => {
  it('without a subcompetency, offers a concrete generic question', () => {
    expect(vague(coachQuestion({ question: 'Any feedback?', templates })).suggestion).toBe(
      'Try: "How can I make my morning presentation more concise?"',
    );
  });

  it('works without the template library', () => {
    expect(vague(coachQuestion({ question: 'Any feedback?' })).suggestion).toBe(
      'Try: "How can I make my morning presentation more concise?"',
    );
    expect(vague(coachQuestion({ question: 'Any feedback?', subcompetency: PC3 })).suggestion).toBe(
      'Try: "How can I make my differential diagnosis more prioritized?"',
    );
    expect(vague(coachQuestion({ question: 'Any feedback?', subcompetency: ICS2 })).suggestion).toBe(
      'Try: "What should I do differently next time to improve my interprofessional and team communication?"',
    );
  });

  it('names an unfamiliar subcompetency when no template fits its topic', () => {
    const subcompetency = { code: 'PC7', name: 'Operative Skills in the OR' };
    expect(vague(coachQuestion({ question: 'Thoughts?', subcompetency, templates })).suggestion).toBe(
      'Try: "What should I do differently next time to improve my operative skills in the OR?"',
    );
  });

  it('is deterministic', () => {
    const input = { question: 'how did i do??', subcompetency: ICS2, templates };
    expect(coachQuestion(input)).toEqual(coachQuestion(input));
  });

  // Every suggestion must be a question the coach would itself let through.
  it.each(['internal-medicine-2.0.yaml', 'harmonized-2.0.yaml'])(
    'for every subcompetency in %s, suggests a question about that subcompetency that passes',
    (fileName) => {
      const parsed = parseMilestoneSet(readFileSync(new URL(`../../content/milestones/${fileName}`, import.meta.url), 'utf8'), fileName);
      if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
      const subcompetencies = parsed.set.competencies.flatMap((competency) => competency.subcompetencies);
      const suggestions = new Set<string>();
      for (const { code, name } of subcompetencies) {
        const subcompetency = { code, name };
        const { suggestion } = vague(coachQuestion({ question: 'How am I doing?', subcompetency, templates }));
        const question = /^Try: "(.+)"$/.exec(suggestion)?.[1] ?? '';
        expect({ code, question, ...coachQuestion({ question, subcompetency, templates }) }).toEqual({
          code,
          question,
          verdict: 'specific',
        });
        suggestions.add(question);
      }
      // Tailored, not one stock sentence: only a few harmonized pairs may share an example.
      expect(suggestions.size).toBeGreaterThanOrEqual(subcompetencies.length - 2);
    },
  );
});
