import type { TeamsConfig } from '../../config.ts';
import type { CorePorts } from '../../core/ports.ts';
import { type DeliveryLoop, startDeliveryLoop } from '../../delivery/delivery-loop.ts';
import { TEAMS_PACE_MS } from '../../delivery/worker.ts';
import { holdTeamsMessagesWithoutApp, noticeCoordinatorsOfMissingApp } from './install-notices.ts';
import { createTeamsSender, type TeamsApiFactory, type TeamsChartRenderer } from './teams-sender.ts';

/** A running delivery loop for Teams. */
export type TeamsDelivery = DeliveryLoop;

/**
 * Sends due outbox messages through the Bot Connector every `intervalMs` and whenever nudged: the platform-neutral
 * delivery loop with the Teams sender, paced per conversation (7 a second, 60 in 30 seconds) and per tenant (50
 * requests a second, in the sender). Before each pass, messages for people without the app are held; after it,
 * their coordinators are told once (install-notices.ts).
 */
export function startTeamsDelivery(
  input: CorePorts & {
    /** Clients per service URL: `apiFactoryFromClient(app.api)`, or `staticTokenApiFactory(config.botToken)` in tests. */
    api: TeamsApiFactory;
    config: Pick<TeamsConfig, 'clientId' | 'tenantId' | 'serviceUrl'>;
    log: (line: string) => void;
    intervalMs?: number;
    /** Draws chart blocks as PNGs (default: the trend chart renderer). */
    renderChart?: TeamsChartRenderer;
    /** Spacing of messages to one conversation (default TEAMS_PACE_MS). */
    paceMs?: number;
    /** Rows sent side by side to different conversations (the worker's default when unset). */
    concurrency?: number;
    /** Requests per second per tenant (default 50). */
    tenantRequestsPerSecond?: number;
  },
): TeamsDelivery {
  const sender = createTeamsSender({
    db: input.db,
    api: input.api,
    config: input.config,
    ...(input.renderChart ? { renderChart: input.renderChart } : {}),
    ...(input.tenantRequestsPerSecond !== undefined ? { tenantRequestsPerSecond: input.tenantRequestsPerSecond } : {}),
  });
  return startDeliveryLoop({
    db: input.db,
    clock: input.clock,
    platform: 'teams',
    sender,
    log: input.log,
    paceMs: input.paceMs ?? TEAMS_PACE_MS,
    ...(input.intervalMs !== undefined ? { intervalMs: input.intervalMs } : {}),
    ...(input.concurrency !== undefined ? { concurrency: input.concurrency } : {}),
    beforePass: async () => {
      await holdTeamsMessagesWithoutApp(input);
    },
    // After the pass, so the people the sender found unreachable in it are named in the same notice.
    afterPass: async () => {
      await noticeCoordinatorsOfMissingApp(input);
    },
  });
}
