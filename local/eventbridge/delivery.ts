import { randomUUID } from 'node:crypto';
import { DETAIL_TYPES, EXPORT_ENDED_EVENTS } from '#shared/sources/rds/events.ts';
import type { ExportTaskRecord } from '../rds/tasks.ts';
import type { SimulatedClock } from '../runtime/clock.ts';

/**
 * EventBridge, locally: delivers the events RDS emits to the rule's target, as best effort as the
 * real one, on purpose. Each event can be dropped, delivered twice, and delayed by a random time,
 * which also reorders events that come close together (`npm start -- --drop-events 0.3`).
 */
export interface EventFaults {
  /** Share of events never delivered (0..1), exactly (see LocalEventBus.emit). */
  drop: number;
  /** Share of the delivered events delivered twice (0..1), exactly. */
  duplicate: number;
  /** Each delivery is delayed by up to this many simulated seconds (reordering them). */
  maxDelaySeconds: number;
}

export const NO_EVENT_FAULTS: EventFaults = { drop: 0, duplicate: 0, maxDelaySeconds: 0 };

export interface EventBusStats {
  emitted: number;
  dropped: number;
  duplicated: number;
  delivered: number;
}

type Target = (event: unknown) => Promise<unknown>;

/**
 * A fault in its exact share, not by chance: each event adds the share to a debt, and the event
 * that brings it to 1 is the one hit. The debt starts at a random point, so which events are hit
 * varies, but 30 % of 20 events is always 6, and a small burst always shows its faults.
 */
class ExactShare {
  #debt: number | undefined;
  constructor(private readonly random: () => number) {}

  due(share: number): boolean {
    this.#debt = (this.#debt ?? this.random()) + share;
    if (this.#debt < 1) return false;
    this.#debt -= 1;
    return true;
  }
}

export class LocalEventBus {
  readonly stats: EventBusStats = { emitted: 0, dropped: 0, duplicated: 0, delivered: 0 };
  readonly #pending = new Set<Promise<void>>();
  readonly #drops: ExactShare;
  readonly #duplicates: ExactShare;
  target: Target | undefined;

  constructor(
    private readonly clock: SimulatedClock,
    public faults: EventFaults = NO_EVENT_FAULTS,
    private readonly random: () => number = Math.random,
  ) {
    this.#drops = new ExactShare(random);
    this.#duplicates = new ExactShare(random);
  }

  /** Hands the event to the target, unless the faults drop it; maybe twice; maybe late. */
  emit(event: unknown): void {
    this.stats.emitted++;
    if (this.#drops.due(this.faults.drop)) {
      this.stats.dropped++;
      return;
    }
    const copies = this.#duplicates.due(this.faults.duplicate) ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      const delivery = this.clock
        .sleep(this.random() * this.faults.maxDelaySeconds)
        .then(async () => {
          if (!this.target) return;
          this.stats.delivered++;
          // EventBridge retries a failed asynchronous invocation; one more try is enough locally.
          await this.target(event).catch(() => this.target?.(event));
        })
        .catch(() => {})
        .finally(() => this.#pending.delete(delivery));
      this.#pending.add(delivery);
    }
  }

  /**
   * Delivers one event now, without the faults, and answers what the target answered: a
   * snapshot-created event, whose decision (on-snapshot's) the caller waits for.
   */
  async deliver(event: unknown): Promise<unknown> {
    this.stats.emitted++;
    if (!this.target) return null;
    this.stats.delivered++;
    return this.target(event);
  }

  /** Waits for the deliveries under way. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }
}

const MESSAGES = { FAILED: 'failed', CANCELED: 'was canceled', COMPLETE: 'completed' } as const;

/** The EventBridge event RDS emits when an export task ends (its ID: shared/sources/rds/events.ts). */
export function exportEndedEvent(task: Readonly<ExportTaskRecord>, region: string, account: string) {
  const status = task.Status as keyof typeof MESSAGES;
  const [sourceType, source] = /:cluster:/.test(task.SourceArn)
    ? (['CLUSTER', 'db-cluster'] as const)
    : /:cluster-snapshot:/.test(task.SourceArn)
      ? (['CLUSTER_SNAPSHOT', 'db-cluster-snapshot'] as const)
      : (['SNAPSHOT', 'db-snapshot'] as const);
  const ended = EXPORT_ENDED_EVENTS.find((e) => e.source === source && e.status === status);
  const time = (task.TaskEndTime ?? new Date()).toISOString();
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': DETAIL_TYPES[source],
    source: 'aws.rds',
    account,
    time,
    region,
    resources: [task.SourceArn],
    detail: {
      EventCategories: ['notification'],
      SourceType: sourceType,
      SourceArn: task.SourceArn,
      Date: time,
      SourceIdentifier: task.SourceArn.split(':').slice(6).join(':'),
      Message: `The ${sourceType === 'CLUSTER' ? 'DB cluster' : 'snapshot'} export task ${MESSAGES[status]}.`,
      EventID: ended?.id,
    },
  };
}
