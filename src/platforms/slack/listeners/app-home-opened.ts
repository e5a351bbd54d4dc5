import { type EventListener, publishHome } from '../growth-kit.ts';
import { parseHomeOpened } from '../inbound.ts';
import { identify, type SlackDeps } from '../listener-kit.ts';
import { failureText, notice } from '../replies.ts';
import { renderHome } from '../render/block-kit.ts';

/**
 * app_home_opened on the Home tab → the person's Home, drawn afresh each time it is opened (views.publish), so it
 * never shows yesterday's requests. The Messages tab needs nothing: the DMs are there.
 */
export function appHomeOpened(deps: SlackDeps): EventListener {
  return async ({ body, client }) => {
    let userId: string | undefined;
    try {
      const opened = parseHomeOpened(body);
      if (opened.tab !== 'home') return;
      userId = opened.userId;
      await publishHome(deps, client, opened.teamId, opened.userId, await identify(deps, client, opened.teamId, opened.userId));
    } catch (error) {
      const text = failureText(error, deps.log);
      if (!userId) return;
      await client.views.publish({ user_id: userId, view: renderHome(notice(text)) }).catch((e: Error) => deps.log(`Could not publish the Home: ${e.message}`));
    }
  };
}
