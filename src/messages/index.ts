/** The neutral message model and the helpers both renderers share. */
export * from './form-values.ts';
export * from './level-dots.ts';
export * from './markdown.ts';
export * from './model.ts';
export * from './text.ts';
