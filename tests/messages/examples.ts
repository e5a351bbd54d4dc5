/** Representative messages and forms of the product, shared by the model tests and both renderers' snapshots. */
import {
  actions,
  button,
  chart,
  checkbox,
  choice,
  context,
  datePicker,
  divider,
  fields,
  form,
  header,
  levelGrid,
  levelPicker,
  message,
  paragraph,
  payload,
  peoplePicker,
  textArea,
  textInput,
} from '../../src/messages/model.ts';

/** The DM a faculty member gets when a resident asks a specific question. */
export const feedbackRequestDm = message(
  'Jordan Lee (PGY-2) asks for your feedback: What can I do differently next time to make my presentation more concise?',
  header('Jordan Lee asks for your feedback'),
  paragraph(
    '*Jordan Lee* (PGY-2, Internal Medicine) worked with you on *7 West* yesterday and asks:\n_"What can I do differently next time to make my presentation on rounds more concise?"_',
  ),
  fields(['Encounter', 'Morning rounds, Mar 12'], ['Subcompetency', 'ICS2 Interprofessional and Team Communication']),
  actions(
    button('Answer', 'feedback_request.answer', payload('feedback_request', 'fr_7f3a9c', 1), 'primary'),
    button("Can't answer", 'feedback_request.decline', payload('feedback_request', 'fr_7f3a9c', 1)),
  ),
  context('Only Jordan sees your answer. Two or three sentences are plenty. [Why specific feedback helps](https://example.org/feedback-guide)'),
);

/** Level descriptors in our own words (programs load their specialty's official text through the importer). */
export const ics2Descriptors = {
  not_yet_level_1: 'Not yet communicating reliably with the team',
  '1': 'Respectfully asks for and receives input from team members',
  '2': 'Communicates information clearly and checks understanding with the team; adapts the message to the listener when prompted',
  '3': 'Uses active listening to adapt communication to the team and the situation',
  '4': 'Coordinates the team with concise, closed-loop communication, even in difficult situations',
  '5': 'Models and coaches flexible communication strategies that others on the team adopt',
} as const;

/** The answer form a faculty member fills in after pressing Answer. */
export const answerForm = form({
  title: 'Answer feedback request',
  submitLabel: 'Send feedback',
  intro: '*Jordan asked:* _"What can I do differently next time to make my presentation on rounds more concise?"_',
  payload: payload('feedback_request', 'fr_7f3a9c', 1),
  fields: [
    levelPicker({
      id: 'level',
      label: 'ICS2 Interprofessional and Team Communication',
      hint: 'Where was this presentation on the milestone scale?',
      allowNotObserved: true,
      descriptors: ics2Descriptors,
    }),
    textArea({ id: 'reinforce', label: 'What went well', maxLength: 1500, placeholder: 'One specific thing to keep doing' }),
    textArea({
      id: 'improve',
      label: 'One thing to do differently next time',
      hint: 'Specific and doable on the next rotation day.',
      maxLength: 1500,
      optional: true,
    }),
    checkbox({ id: 'discuss', label: 'Follow-up', text: 'I am happy to talk about this in person' }),
  ],
});

/** The prompt sent to a faculty member after a rotation block ends. */
export const rotationPrompt = message(
  'Cardiology block 4 has ended: 3 residents are waiting for your evaluation.',
  header('Cardiology, block 4 has ended'),
  paragraph('You supervised these residents from *Mar 3* to *Mar 30*. Evaluations are due in 14 days.'),
  divider(),
  paragraph('*Jordan Lee* · PGY-2', {
    button: button('Evaluate', 'rotation_evaluation.start', payload('rotation_assignment', 'ra_1001', 1), 'primary'),
  }),
  paragraph('*Priya Raman* · PGY-1', {
    button: button('Evaluate', 'rotation_evaluation.start', payload('rotation_assignment', 'ra_1002', 1), 'primary'),
  }),
  paragraph('*Sam Okafor* · PGY-3', {
    button: button('Evaluate', 'rotation_evaluation.start', payload('rotation_assignment', 'ra_1003', 1), 'primary'),
  }),
  divider(),
  actions(button('Remind me tomorrow', 'rotation_evaluation.snooze', payload('rotation_prompt', 'rp_88', 1))),
  context('Did not work with one of them? Open the evaluation and choose *Not observed*.'),
);

/** The comparison a resident sees after the mid-year CCC meeting. */
export const selfVsCccGrid = message(
  'Mid-year milestones for Jordan Lee: your self-assessment next to the CCC ratings.',
  header('Mid-year milestones: self-assessment and CCC'),
  levelGrid({
    title: 'Interpersonal and Communication Skills',
    series: [
      { key: 'self', label: 'Self' },
      { key: 'ccc', label: 'CCC' },
    ],
    rows: [
      { code: 'ICS1', name: 'Patient- and Family-Centered Communication', ratings: { self: '2.5', ccc: '3' } },
      { code: 'ICS2', name: 'Interprofessional and Team Communication', ratings: { self: '3', ccc: '2.5' } },
      { code: 'ICS3', name: 'Communication within Health Care Systems', ratings: { self: '2', ccc: 'not_observed' } },
      { code: 'PROF3', name: 'Self-Awareness and Help-Seeking', ratings: { self: 'not_yet_level_1', ccc: null } },
    ],
  }),
  chart({
    trend: {
      periods: ['2025-mid', '2025-end', '2026-mid'],
      lines: [{ code: 'ICS2', name: 'Interprofessional and Team Communication', levels: [1.5, 2, 2.5] }],
      expected: [1.5, 2, 2.5],
    },
    altText: 'ICS2 over three reporting periods: 1.5, 2, 2.5',
    title: 'ICS2 trend',
  }),
  context('Talk these over with your mentor and add a goal to your learning plan.'),
);

/** A form with every remaining input type: choices (static, grouped, people), one-line text, date. */
export const learningGoalForm = form({
  title: 'New learning plan goal',
  submitLabel: 'Save goal',
  payload: payload('learning_plan', 'lp_42', 3),
  fields: [
    textInput({ id: 'goal', label: 'Goal', maxLength: 150, placeholder: 'e.g. Present new admissions in under 3 minutes' }),
    choice({
      id: 'subcompetencies',
      label: 'Subcompetencies',
      multiple: true,
      groups: [
        {
          label: 'Interpersonal and Communication Skills',
          options: [
            { value: 'ICS1', label: 'ICS1 Patient- and Family-Centered Communication' },
            { value: 'ICS2', label: 'ICS2 Interprofessional and Team Communication' },
          ],
        },
        { label: 'Professionalism', options: [{ value: 'PROF3', label: 'PROF3 Self-Awareness and Help-Seeking' }] },
      ],
    }),
    choice({
      id: 'evidence',
      label: 'How will you know?',
      options: [
        { value: 'direct_observation', label: 'Direct observation', description: 'An attending watches and rates it' },
        { value: 'multisource', label: '360 feedback', description: 'Nurses and peers answer a short survey' },
        { value: 'self_review', label: 'Self-review' },
      ],
      initial: ['direct_observation'],
    }),
    peoplePicker({ id: 'coach', label: 'Who will coach you?', optional: true }),
    datePicker({ id: 'due', label: 'Target date', initial: '2026-06-30' }),
  ],
});
