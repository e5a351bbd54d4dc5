/**
 * Every message and form of the feedback loop, produced by the real use cases on a seeded database, rendered for
 * both Slack (Block Kit) and Teams (Adaptive Cards 1.5). The snapshots show what people actually see; the checks
 * keep each rendering inside its platform's limits and make sure every button of the neutral model survives on both
 * platforms with the same action id and payload — so the core cannot grow a shape only one platform understands.
 */
import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerFeedbackRequest, declineFeedbackRequest, openAnswerForm } from '../../src/core/feedback-requests/answer-feedback-request.ts';
import { openFeedbackRequestForm, submitFeedbackRequestForm } from '../../src/core/feedback-requests/feedback-request-form.ts';
import { requestFeedback } from '../../src/core/feedback-requests/request-feedback.ts';
import { thankForFeedback } from '../../src/core/feedback-requests/thank-for-feedback.ts';
import { loadRequest, requestView } from '../../src/core/feedback-requests/views.ts';
import { addNextStepToPlan } from '../../src/core/learning-plans/add-next-step-to-plan.ts';
import { promptAfterRotations } from '../../src/core/rotation-evaluations/prompt-after-rotations.ts';
import {
  declineRotationEvaluation,
  openRotationEvaluation,
  submitRotationEvaluation,
} from '../../src/core/rotation-evaluations/rotation-evaluation.ts';
import type { Database, Db } from '../../src/db/client.ts';
import { feedbackEntries, feedbackRequests, outboxMessages, rotationAssignments, rotations } from '../../src/db/schema/index.ts';
import { feedbackRequestMessage } from '../../src/messages/feedback.ts';
import { type Button, type Form, type Message, parseForm, parseMessage, type Payload } from '../../src/messages/model.ts';
import {
  readButtonAction,
  readViewMetadata,
  renderForm,
  renderMessage,
  renderMessages,
  SLACK_LIMITS,
} from '../../src/platforms/slack/render/block-kit.ts';
import {
  type AdaptiveCard,
  renderFormCard,
  renderMessageCard,
  renderMessageCards,
} from '../../src/platforms/teams/render/adaptive-card.ts';
import { openTestDatabase } from '../helpers/db.ts';
import { demoPerson, fixedClock, seedDemoProgram } from '../helpers/demo-program.ts';

// ---------------------------------------------------------------------------------------------------------------
// What is snapshotted, and whose name the plain-text fallback must carry
// ---------------------------------------------------------------------------------------------------------------

const MESSAGE_CASES = [
  // To the faculty member asked.
  ['feedback request: open, with subcompetency, context and encounter date', 'Ana Ruiz'],
  ['feedback request: open, question only', 'Ana Ruiz'],
  ['feedback request: answered', 'Ana Ruiz'],
  ['feedback request: declined', 'Ana Ruiz'],
  ['feedback request: expired', 'Ana Ruiz'],
  // To the resident who asked.
  ['request sent (confirmation to the resident)', 'Maya Lee'],
  ['request declined (to the resident)', 'Victor Chen'],
  ['answer: with rating and next step', 'Maya Lee'],
  ['answer: thanked', 'Maya Lee'],
  ['answer: thanked and next step added to plan', 'Maya Lee'],
  ['answer: no rating, no next step', 'Victor Chen'],
  ['rotation evaluation: several ratings incl. not observed, direct observation', 'Victor Chen'],
  ['rotation evaluation: next step added to plan, not thanked', 'Victor Chen'],
  // Back to the faculty member.
  ['thank you (to the faculty member)', 'Ana Ruiz'],
  ['rotation prompt: residents waiting', 'Farah Haddad'],
  ['rotation prompt: one evaluated, one waiting', 'Farah Haddad'],
  ['rotation prompt: one did not work with, one waiting', 'Farah Haddad'],
  ['rotation prompt: all done', 'Farah Haddad'],
] as const;

const FORM_CASES = [
  'request form (/feedback)',
  'answer form: with level picker',
  'answer form: without level picker',
  'rotation evaluation form',
] as const;

type MessageCase = (typeof MESSAGE_CASES)[number][0];
type FormCase = (typeof FORM_CASES)[number];

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** Replaces each distinct UUID with <id-1>, <id-2>, … in order of appearance, consistently across the value. */
function stableIds<T>(value: T): T {
  const seen = new Map<string, string>();
  const json = JSON.stringify(value).replace(UUID, (uuid) => {
    const key = uuid.toLowerCase();
    if (!seen.has(key)) seen.set(key, `<id-${seen.size + 1}>`);
    return seen.get(key)!;
  });
  return JSON.parse(json) as T;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every object in a JSON tree, depth first, in document order. */
function objectsIn(value: unknown): Record<string, Json>[] {
  const out: Record<string, Json>[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      out.push(node as Record<string, Json>);
      Object.values(node).forEach(visit);
    }
  };
  visit(value);
  return out;
}

/** Block Kit text objects ({ type: plain_text | mrkdwn, text }). */
function slackTexts(value: unknown): string[] {
  return objectsIn(value)
    .filter((o) => (o.type === 'plain_text' || o.type === 'mrkdwn') && typeof o.text === 'string')
    .map((o) => o.text as string);
}

/** Options of selects and checkboxes, in every place Block Kit keeps them. */
function slackOptions(value: unknown): { text: string; description?: string }[] {
  return objectsIn(value)
    .flatMap((o) => [...((o.options as Json[] | undefined) ?? []), ...((o.initial_options as Json[] | undefined) ?? [])])
    .map((option) => {
      const o = option as { text: { text: string }; description?: { text: string } };
      return { text: o.text.text, ...(o.description && { description: o.description.text }) };
    });
}

function modelButtons(message: Message): Button[] {
  return message.blocks.flatMap((block) =>
    block.type === 'actions' ? block.buttons : block.type === 'paragraph' && block.button ? [block.button] : [],
  );
}

interface RenderedButton {
  label: string;
  actionId: string;
  payload: Payload;
}

/** Slack buttons (actions rows and section accessories), read back the way the listeners read them. */
function slackButtons(value: unknown): RenderedButton[] {
  return objectsIn(value)
    .filter((o) => o.type === 'button')
    .map((o) => {
      const { actionId, payload } = readButtonAction({ action_id: o.action_id as string, value: o.value as string });
      return { label: (o.text as { text: string }).text, actionId, payload };
    });
}

function teamsButtons(card: AdaptiveCard): RenderedButton[] {
  return objectsIn(card)
    .filter((o) => o.type === 'Action.Execute')
    .map((o) => ({ label: o.title as string, actionId: o.verb as string, payload: o.data as unknown as Payload }));
}

function bytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** Teams drops activities over ~28 KB. */
const TEAMS_MAX_BYTES = 28_000;

function expectTeamsCard(card: AdaptiveCard) {
  expect(card.type).toBe('AdaptiveCard');
  expect(card.version).toBe('1.5');
  expect(bytes(card)).toBeLessThan(TEAMS_MAX_BYTES);
}

function expectSlackTextLimits(rendered: unknown) {
  for (const text of slackTexts(rendered)) expect(text.length).toBeLessThanOrEqual(3000);
  for (const option of slackOptions(rendered)) {
    expect(option.text.length).toBeLessThanOrEqual(SLACK_LIMITS.optionText);
    expect(option.description?.length ?? 0).toBeLessThanOrEqual(SLACK_LIMITS.optionDescription);
  }
  for (const o of objectsIn(rendered)) {
    if (o.type === 'header') expect((o.text as { text: string }).text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    if (o.type === 'button') expect((o.text as { text: string }).text.length).toBeLessThanOrEqual(SLACK_LIMITS.buttonText);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The flows, driven once on one seeded database
// ---------------------------------------------------------------------------------------------------------------

describe('feedback-loop messages and forms, rendered for Slack and Teams', () => {
  const clock = fixedClock('2026-11-02T15:00:00Z');
  const messages = new Map<MessageCase, Message>();
  const forms = new Map<FormCase, Form>();
  let database: Database;

  async function outboxMessage(db: Db, kind: string, keyPrefix = `${kind}:`): Promise<Message> {
    const rows = await db
      .select({ message: outboxMessages.message })
      .from(outboxMessages)
      .where(and(eq(outboxMessages.kind, kind), like(outboxMessages.idempotencyKey, `${keyPrefix}%`)));
    expect(rows, `one ${kind} message for ${keyPrefix}`).toHaveLength(1);
    return rows[0]!.message as Message;
  }

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    const db = database.db;
    await seedDemoProgram(db);
    const ana = await demoPerson(db, 'ana.ruiz');
    const lee = await demoPerson(db, 'maya.lee');
    const chen = await demoPerson(db, 'victor.chen');
    const ports = { db, clock };

    // 1. Ana asks Maya Lee, from a template, with context and an encounter date; Maya answers with a level.
    forms.set('request form (/feedback)', await openFeedbackRequestForm({ ...ports, residentId: ana }));
    const sent = await submitFeedbackRequestForm({
      ...ports,
      residentId: ana,
      assessorId: lee,
      values: {
        subcompetency: 'ICS2',
        template: 'make-it-more',
        blanks: 'sign-out; concise',
        context: 'Night float handoff, 6 patients',
        encounter: '2026-10-30',
      },
      submissionKey: 'view-1',
    });
    if (!sent.ok) throw new Error(JSON.stringify(sent.fieldErrors));
    messages.set('request sent (confirmation to the resident)', sent.confirmation);
    messages.set(
      'feedback request: open, with subcompetency, context and encounter date',
      await outboxMessage(db, 'feedback-request', `feedback-request:${sent.requestId}`),
    );
    forms.set('answer form: with level picker', await openAnswerForm({ ...ports, requestId: sent.requestId, actorId: lee }));
    const answered = await answerFeedbackRequest({
      ...ports,
      requestId: sent.requestId,
      actorId: lee,
      level: '3',
      reinforcing: 'Clear one-liners that open with the active problem.',
      corrective: 'Drop the normal labs; say what you are worried about overnight.',
      nextStep: 'Tonight, hand off each patient in under a minute.',
    });
    if (!answered.ok) throw new Error(JSON.stringify(answered.fieldErrors));
    messages.set('feedback request: answered', answered.requestMessage);
    messages.set('answer: with rating and next step', await outboxMessage(db, 'feedback-answer'));
    const [entry] = await db.select().from(feedbackEntries).where(eq(feedbackEntries.feedbackRequestId, sent.requestId));
    messages.set('answer: thanked', (await thankForFeedback({ ...ports, entryId: entry!.id, actorId: ana })).feedbackMessage);
    messages.set('thank you (to the faculty member)', await outboxMessage(db, 'feedback-thanks'));
    messages.set(
      'answer: thanked and next step added to plan',
      (await addNextStepToPlan({ ...ports, entryId: entry!.id, actorId: ana })).feedbackMessage,
    );

    // 2. Ana asks Victor Chen, who can't answer.
    const toChen = await requestFeedback({
      ...ports,
      residentId: ana,
      assessorId: chen,
      question: 'What is one thing I did well and one thing to change in the family meeting for bed 12?',
      subcompetencyCode: 'ICS1',
      submissionKey: 'view-2',
    });
    if (!toChen.ok) throw new Error(JSON.stringify(toChen.fieldErrors));
    messages.set('feedback request: declined', (await declineFeedbackRequest({ ...ports, requestId: toChen.requestId, actorId: chen })).requestMessage);
    messages.set('request declined (to the resident)', await outboxMessage(db, 'feedback-declined'));

    // 3. A question with no subcompetency: no level to pick; answered with comments only and "none" as next step.
    const bare = await requestFeedback({
      ...ports,
      residentId: ana,
      assessorId: chen,
      question: 'When I called you about the hypotensive patient in bed 4, was my SBAR clear enough to act on?',
      submissionKey: 'view-3',
    });
    if (!bare.ok) throw new Error(JSON.stringify(bare.fieldErrors));
    messages.set(
      'feedback request: open, question only',
      await outboxMessage(db, 'feedback-request', `feedback-request:${bare.requestId}`),
    );
    forms.set('answer form: without level picker', await openAnswerForm({ ...ports, requestId: bare.requestId, actorId: chen }));
    const bareAnswer = await answerFeedbackRequest({
      ...ports,
      requestId: bare.requestId,
      actorId: chen,
      reinforcing: 'Yes: you led with the pressure trend and what you had already given.',
      nextStep: 'none',
    });
    if (!bareAnswer.ok) throw new Error(JSON.stringify(bareAnswer.fieldErrors));
    const [bareEntry] = await db.select().from(feedbackEntries).where(eq(feedbackEntries.feedbackRequestId, bare.requestId));
    messages.set(
      'answer: no rating, no next step',
      await outboxMessage(db, 'feedback-answer', `feedback-answer:${bareEntry!.id}`),
    );

    // 4. A request nobody answered in time. No use case expires requests yet, so the row is expired by hand and the
    //    message rebuilt the way the use cases build it.
    const late = await requestFeedback({
      ...ports,
      residentId: ana,
      assessorId: lee,
      question: 'How can I make my presentation on rounds more concise?',
      subcompetencyCode: 'ICS2',
      submissionKey: 'view-4',
    });
    if (!late.ok) throw new Error(JSON.stringify(late.fieldErrors));
    await db.update(feedbackRequests).set({ status: 'expired' }).where(eq(feedbackRequests.id, late.requestId));
    messages.set('feedback request: expired', feedbackRequestMessage(await requestView(db, await loadRequest(db, late.requestId))));

    // 5. MICU ended Oct 31 for Farah Haddad and Lena Fischer, supervised by Victor Chen and Maya Lee.
    await promptAfterRotations({ ...ports, date: '2026-10-31' });
    messages.set('rotation prompt: residents waiting', await outboxMessage(db, 'rotation-prompt', `rotation-prompt:${chen}:`));
    const micu = async (handle: string) => {
      const residentId = await demoPerson(db, handle);
      const [row] = await db
        .select({ id: rotationAssignments.id })
        .from(rotationAssignments)
        .innerJoin(rotations, eq(rotations.id, rotationAssignments.rotationId))
        .where(and(eq(rotations.code, 'MICU'), eq(rotationAssignments.endsOn, '2026-10-31'), eq(rotationAssignments.residentId, residentId)));
      return row!.id;
    };
    const farah = await micu('farah.haddad');
    const lena = await micu('lena.fischer');
    const farahId = await demoPerson(db, 'farah.haddad');
    forms.set('rotation evaluation form', await openRotationEvaluation({ ...ports, assignmentId: farah, actorId: chen }));
    const evaluated = await submitRotationEvaluation({
      ...ports,
      assignmentId: farah,
      actorId: chen,
      ratings: { PC3: '2.5', PC4: '3', MK1: 'not_observed', ICS1: '3.5' },
      directlyObserved: true,
      reinforcing: 'Calm, organized family updates.',
      corrective: 'Commit to a plan before calling the fellow.',
      nextStep: 'On your next ICU block, present a plan for every problem before asking.',
    });
    if (!evaluated.ok) throw new Error(JSON.stringify(evaluated.fieldErrors));
    messages.set('rotation prompt: one evaluated, one waiting', evaluated.promptMessage);
    messages.set(
      'rotation evaluation: several ratings incl. not observed, direct observation',
      await outboxMessage(db, 'rotation-evaluation'),
    );
    const [evaluation] = await db
      .select()
      .from(feedbackEntries)
      .where(and(eq(feedbackEntries.rotationAssignmentId, farah), eq(feedbackEntries.residentId, farahId)));
    messages.set(
      'rotation evaluation: next step added to plan, not thanked',
      (await addNextStepToPlan({ ...ports, entryId: evaluation!.id, actorId: farahId })).feedbackMessage,
    );
    messages.set(
      'rotation prompt: one did not work with, one waiting',
      (await declineRotationEvaluation({ ...ports, assignmentId: farah, actorId: lee })).promptMessage,
    );
    messages.set('rotation prompt: all done', (await declineRotationEvaluation({ ...ports, assignmentId: lena, actorId: chen })).promptMessage);
  });

  afterAll(async () => {
    await database?.close();
  });

  it('drives every case of the flows', () => {
    expect([...messages.keys()].sort()).toEqual(MESSAGE_CASES.map(([name]) => name).sort());
    expect([...forms.keys()].sort()).toEqual([...FORM_CASES].sort());
  });

  describe.each(MESSAGE_CASES)('%s', (name, who) => {
    const get = () => {
      const m = messages.get(name);
      if (!m) throw new Error(`the flow did not produce "${name}"`);
      return m;
    };

    it('is a neutral message: nothing a platform-only shape could hide in', () => {
      const m = get();
      expect(parseMessage(JSON.parse(JSON.stringify(m)))).toEqual(m);
    });

    it('has a meaningful plain-text fallback', () => {
      const m = get();
      expect(m.text.trim()).not.toBe('');
      expect(m.text).toContain(who);
      expect(m.text).not.toContain('*');
    });

    it('renders within Slack limits, as one message', () => {
      const m = get();
      const slack = renderMessage(m);
      expect(renderMessages(m)).toEqual([slack]);
      expect(slack.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.messageBlocks);
      expect(slack.text).toContain(who);
      expectSlackTextLimits(slack);
    });

    it('renders as one Adaptive Card 1.5 under the Teams size limit', () => {
      const m = get();
      const card = renderMessageCard(m);
      expect(renderMessageCards(m)).toEqual([card]);
      expectTeamsCard(card);
      expect(card.fallbackText).toBe(m.text);
    });

    it('keeps every button, with the same action id and payload, on both platforms', () => {
      const m = get();
      const expected = modelButtons(m).map((b) => ({ label: b.label, actionId: b.actionId, payload: b.payload }));
      expect(slackButtons(renderMessage(m))).toEqual(expected);
      expect(teamsButtons(renderMessageCard(m))).toEqual(expected);
    });

    it('matches the snapshots', () => {
      const m = get();
      const { slack, teams } = stableIds({ slack: renderMessage(m), teams: renderMessageCard(m) });
      expect(slack).toMatchSnapshot('Block Kit');
      expect(teams).toMatchSnapshot('Adaptive Card');
    });
  });

  describe.each(FORM_CASES)('%s', (name) => {
    const get = () => {
      const f = forms.get(name);
      if (!f) throw new Error(`the flow did not produce "${name}"`);
      return f;
    };

    it('is a neutral form', () => {
      const f = get();
      expect(parseForm(JSON.parse(JSON.stringify(f)))).toEqual(f);
    });

    it('renders as a Slack modal within limits, routed by its submit action and payload', () => {
      const f = get();
      const modal = renderForm(f);
      expect(modal.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.modalBlocks);
      expect(modal.title.text.length).toBeLessThanOrEqual(SLACK_LIMITS.modalTitle);
      expect(modal.title.text).toBe(f.title);
      expect(modal.callback_id).toBe(f.submitActionId ?? f.payload.kind);
      expect(readViewMetadata(modal.private_metadata!).payload).toEqual(f.payload);
      expect(modal.blocks.filter((b) => b.type === 'input').map((b) => b.block_id)).toEqual(f.fields.map((field) => field.id));
      expectSlackTextLimits(modal);
    });

    it('renders as an Adaptive Card 1.5 under the Teams size limit, submitting the same action and payload', () => {
      const f = get();
      const card = renderFormCard(f);
      expectTeamsCard(card);
      expect(card.actions).toEqual([expect.objectContaining({ type: 'Action.Execute', verb: f.submitActionId ?? f.payload.kind, data: f.payload })]);
      const inputIds = objectsIn(card.body)
        .filter((o) => typeof o.type === 'string' && o.type.startsWith('Input.'))
        .map((o) => o.id);
      expect(inputIds).toEqual(f.fields.map((field) => field.id));
      // In a dialog the same form submits with Action.Submit and the same payload.
      const dialog = renderFormCard(f, { submitAs: 'submit' });
      expectTeamsCard(dialog);
      expect(dialog.actions).toEqual([expect.objectContaining({ type: 'Action.Submit', data: f.payload })]);
    });

    it('matches the snapshots', () => {
      const f = get();
      const { slack, teams } = stableIds({ slack: renderForm(f), teams: renderFormCard(f) });
      expect(slack).toMatchSnapshot('Block Kit modal');
      expect(teams).toMatchSnapshot('Adaptive Card');
    });
  });
});
