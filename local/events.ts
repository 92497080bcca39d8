import { randomUUID } from 'node:crypto';
import type { SimulatedClock } from './clock.ts';
import type { ExportTaskRecord } from './rds/tasks.ts';

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

  /** Waits for the deliveries under way. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }
}

/** The IDs RDS gives the end of an export, by source type (RDS User Guide, Amazon RDS event categories). */
const EXPORT_EVENTS = {
  SNAPSHOT: {
    detailType: 'RDS DB Snapshot Event',
    ids: { FAILED: '0159', CANCELED: '0160', COMPLETE: '0161' },
  },
  CLUSTER_SNAPSHOT: {
    detailType: 'RDS DB Cluster Snapshot Event',
    ids: { FAILED: '0162', CANCELED: '0163', COMPLETE: '0164' },
  },
  CLUSTER: {
    detailType: 'RDS DB Cluster Event',
    ids: { FAILED: '0234', CANCELED: '0235', COMPLETE: '0236' },
  },
} as const;

const MESSAGES = { FAILED: 'failed', CANCELED: 'was canceled', COMPLETE: 'completed' } as const;

/** The EventBridge event RDS emits when an export task ends. */
export function exportEndedEvent(task: Readonly<ExportTaskRecord>, region: string, account: string) {
  const status = task.Status as keyof typeof MESSAGES;
  const sourceType = /:cluster:/.test(task.SourceArn)
    ? 'CLUSTER'
    : /:cluster-snapshot:/.test(task.SourceArn)
      ? 'CLUSTER_SNAPSHOT'
      : 'SNAPSHOT';
  const kind = EXPORT_EVENTS[sourceType];
  const time = (task.TaskEndTime ?? new Date()).toISOString();
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': kind.detailType,
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
      EventID: `RDS-EVENT-${kind.ids[status]}`,
    },
  };
}
