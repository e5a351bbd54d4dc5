/**
 * The bot's command menu in Teams (manifest `bots[].commandLists`). Teams has no slash commands: a command is the
 * first word of a message to the bot, typed or picked from this menu. The manifest test checks the manifest lists
 * exactly these.
 */
export const TEAMS_COMMANDS = [
  { title: 'feedback', description: 'Ask a faculty member a specific question: feedback @name your question' },
  { title: 'plan', description: 'Add a goal to your learning plan; "plan show" lists your goals' },
  { title: 'self-assessment', description: 'Rate yourself on the milestones, or resume where you stopped' },
  { title: 'home', description: 'Your dashboard: open requests, recent feedback, goals and what is waiting for you' },
  { title: 'help', description: 'What Stepping Stones can do and how to ask a good question' },
] as const;

/** A command's first word, as the menu and the typed text give it. */
export type TeamsCommand = (typeof TEAMS_COMMANDS)[number]['title'];

/** Where Teams posts activities on our one HTTP server (the manifest's bot endpoint ends with it). */
export const TEAMS_MESSAGES_PATH = '/api/messages';
