import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeExportTasksCommand, RDSClient } from '@aws-sdk/client-rds';
import { SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  giveBackSlot,
  LEASE_GRACE_SECONDS,
  needsReconcile,
  RECONCILE_EVERY_SECONDS,
  readSlots,
  reconcileSlots,
  takeSlot,
} from '#shared/slots.ts';
import {
  anyQueued,
  countAhead,
  enqueue,
  grantSlots,
  parkExportWaiter,
  takeExportWaiter,
  type WaitsDeps,
} from '#shared/waits.ts';
import { handleWaits } from '../../functions/waits/waits.ts';
import { type LocalDynamoDb, startLocalDynamoDb } from '../../local/dynamodb.ts';
import { LOCAL_CREDENTIALS } from '../../local/s3.ts';

// The waiters, the slot leases and the slot queue against a real DynamoDB wire protocol (dynalite,
// in memory): the conditional writes are what keeps a slot from being given twice and a waiter
// from being woken twice.
const sfnMock = mockClient(SFNClient);
const rdsMock = mockClient(RDSClient);
let local: LocalDynamoDb;
let deps: WaitsDeps;
let table = 0;
const ARN = 'arn:aws:rds:us-east-1:123456789012:snapshot:orders-1';
const at = (minute: number) => new Date(Date.UTC(2024, 4, 1, 8, minute));

beforeAll(async () => {
  local = await startLocalDynamoDb(
    Array.from({ length: 30 }, (_, i) => `waits-${i}`),
    () => {},
    LOCAL_CREDENTIALS,
    'us-east-1',
  );
});
afterAll(async () => local?.close());
beforeEach(() => {
  sfnMock.reset();
  rdsMock.reset();
  sfnMock.on(SendTaskSuccessCommand).resolves({});
  // A fresh table per test: the tests do not see each other's items.
  deps = {
    dynamodb: new DynamoDBClient({
      region: 'us-east-1',
      endpoint: local.endpoint,
      credentials: LOCAL_CREDENTIALS,
    }),
    sfn: new SFNClient({ region: 'us-east-1' }),
    table: `waits-${table++}`,
  };
});

const woken = () => sfnMock.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input.taskToken);

describe('the export waiter', () => {
  it('gives its token to the first event only: a duplicate or late event finds none', async () => {
    const waiter = {
      sourceArn: ARN,
      exportTaskIdentifier: 'orders-1-abc',
      token: 't-1',
      checkedAt: at(0),
      now: at(1),
    };
    expect(await parkExportWaiter(deps, waiter)).toBe('waiting');
    expect(await takeExportWaiter(deps, ARN, at(5))).toEqual({
      token: 't-1',
      exportTaskIdentifier: 'orders-1-abc',
    });
    expect(await takeExportWaiter(deps, ARN, at(6))).toBeUndefined();
  });

  it('finds no waiter for an export no execution waits on', async () => {
    expect(
      await takeExportWaiter(deps, 'arn:aws:rds:us-east-1:123456789012:snapshot:not-ours', at(5)),
    ).toBeUndefined();
  });

  it('says the export already ended when the event came between the last check and the parking', async () => {
    await takeExportWaiter(deps, ARN, at(10));
    const waiter = { sourceArn: ARN, exportTaskIdentifier: 'orders-1-abc', token: 't-2', now: at(11) };
    expect(await parkExportWaiter(deps, { ...waiter, checkedAt: at(9) })).toBe('ended');
    // An end older than the last check is an earlier export of the same source: wait for this one.
    expect(await parkExportWaiter(deps, { ...waiter, checkedAt: at(12) })).toBe('waiting');
  });
});

const take = (id: string, minute = 0, limit = 5, by?: string) =>
  takeSlot(deps, { exportTaskIdentifier: id, limit, now: at(minute), ...(by === undefined ? {} : { by }) });
const held = async () => [...(await readSlots(deps)).leases.keys()].sort();

describe('the slot leases', () => {
  it('gives at most the limit, also to exports that ask at the same moment', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `burst-${i}`);
    const taken = await Promise.all(ids.map((id) => take(id)));
    expect(taken.filter(Boolean)).toHaveLength(5);
    expect(await held()).toHaveLength(5);
  });

  it("keeps each export's own limit: one allowing 3 finds no slot while 3 are out", async () => {
    for (const id of ['a', 'b', 'c']) expect(await take(id)).toBe(true);
    expect(await take('strict', 0, 3)).toBe(false);
    expect(await take('open', 0, 5)).toBe(true);
  });

  it('lets an export keep the lease it holds, while a release grants only to one that holds none', async () => {
    for (const id of ['a', 'b', 'c', 'd', 'e']) await take(id);
    expect(await take('a')).toBe(true);
    await giveBackSlot(deps, 'e');
    expect(await take('a', 1, 5, 'release-1')).toBe(false);
    expect(await take('f', 1, 5, 'release-1')).toBe(true);
    expect(await held()).toEqual(['a', 'b', 'c', 'd', 'f']);
  });

  it('takes back a grant only while the release that made it still holds it', async () => {
    await take('w', 0, 5, 'release-1');
    await giveBackSlot(deps, 'w', 'release-2');
    expect(await held()).toEqual(['w']);
    // The export took it as its own meanwhile: the release's take-back leaves it.
    await take('w', 1);
    await giveBackSlot(deps, 'w', 'release-1');
    expect(await held()).toEqual(['w']);
    await giveBackSlot(deps, 'w');
    expect(await held()).toEqual([]);
  });

  it('gives nothing back, without failing, before any slot was ever taken', async () => {
    await expect(giveBackSlot(deps, 'never')).resolves.toBeUndefined();
  });

  it('reconciles with RDS: outside tasks get a lease, leases of ended tasks go once past the grace', async () => {
    await take('ended-long-ago', 0);
    await take('granted-just-now', 59);
    const now = new Date(at(0).getTime() + LEASE_GRACE_SECONDS * 1000 + 60_000);
    const changed = await reconcileSlots(deps, ['started-by-hand'], now);
    expect(changed).toEqual({ added: ['started-by-hand'], removed: ['ended-long-ago'] });
    expect(await held()).toEqual(['granted-just-now', 'started-by-hand']);
    // The outside task ended: its lease goes at the next count, grace or not.
    await reconcileSlots(deps, [], new Date(now.getTime() + 1000));
    expect(await held()).toEqual(['granted-just-now']);
  });

  it('gives no outside lease to a task whose lease went back after RDS listed it', async () => {
    await take('ending', 0);
    const before = await readSlots(deps);
    await giveBackSlot(deps, 'ending');
    await reconcileSlots(deps, ['ending'], at(1), before);
    expect(await held()).toEqual([]);
  });

  it('asks for a count when one is old or an outside task holds a slot', async () => {
    expect(needsReconcile(await readSlots(deps), at(0))).toBe(true);
    await reconcileSlots(deps, [], at(0));
    expect(needsReconcile(await readSlots(deps), at(1))).toBe(false);
    expect(
      needsReconcile(await readSlots(deps), new Date(at(0).getTime() + RECONCILE_EVERY_SECONDS * 1000)),
    ).toBe(true);
    await reconcileSlots(deps, ['started-by-hand'], at(2));
    expect(needsReconcile(await readSlots(deps), at(3))).toBe(true);
  });
});

describe('the slot queue', () => {
  const queue = async (...entries: [string, number, number?][]) => {
    for (const [id, minute, limit] of entries) {
      await enqueue(deps, {
        exportTaskIdentifier: id,
        since: at(minute).toISOString(),
        limit: limit ?? 5,
        token: `token-${id}`,
        now: at(30),
      });
    }
  };

  /** Slots already out, to exports that are not queued. */
  const running = async (n: number) => {
    for (let i = 0; i < n; i++) await take(`running-${i}`);
  };

  it('grants the oldest waiters a slot each, as many as are free, and wakes them', async () => {
    await running(3);
    await queue(['c', 3], ['a', 1], ['b', 2]);
    expect(await anyQueued(deps)).toBe(true);
    expect(await grantSlots(deps, at(40), 'release-1')).toEqual(['a', 'b']);
    expect(woken()).toEqual(['token-a', 'token-b']);
    expect(await held()).toEqual(['a', 'b', 'running-0', 'running-1', 'running-2']);
    expect(await countAhead(deps, at(3).toISOString(), 'c')).toBe(0);
  });

  it("keeps each waiter's own limit: one that allows 3 exports is not woken while 3 run", async () => {
    await running(3);
    await queue(['strict', 1, 3], ['open', 2]);
    expect(await grantSlots(deps, at(40), 'release-1')).toEqual(['open']);
  });

  it('leaves a waiter that already holds a slot to start on its own', async () => {
    await running(3);
    await queue(['holding', 1], ['next', 2]);
    await take('holding', 20);
    expect(await grantSlots(deps, at(40), 'release-1')).toEqual(['next']);
  });

  it('wakes nobody when no slot is free, and grants nothing', async () => {
    await running(5);
    await queue(['a', 1]);
    expect(await grantSlots(deps, at(40), 'release-1')).toEqual([]);
    expect(woken()).toEqual([]);
    expect(await countAhead(deps, at(2).toISOString(), 'z')).toBe(1);
  });

  it('keeps the slot granted to a waiter whose wait timed out: it finds it when it looks again', async () => {
    await running(4);
    await queue(['gone', 1], ['next', 2]);
    sfnMock
      .on(SendTaskSuccessCommand, { taskToken: 'token-gone' })
      .rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
    expect(await grantSlots(deps, at(40), 'release-1')).toEqual([]);
    expect(await held()).toContain('gone');
  });

  it('never grants a slot twice nor wakes a waiter twice when two releases run at once', async () => {
    await running(3);
    await queue(['a', 1], ['b', 2], ['c', 3]);
    const [first, second] = await Promise.all([
      grantSlots(deps, at(40), 'release-1'),
      grantSlots(deps, at(40), 'release-2'),
    ]);
    const all = [...(first ?? []), ...(second ?? [])];
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort()).toEqual(['a', 'b']);
    expect(woken().sort()).toEqual(['token-a', 'token-b']);
    expect(await held()).toHaveLength(5);
  });

  it('counts the exports queued before one, for its timeout', async () => {
    await queue(['a', 1], ['b', 2], ['c', 3], ['d', 4]);
    expect(await countAhead(deps, at(4).toISOString(), 'd')).toBe(3);
    expect(await countAhead(deps, at(1).toISOString(), 'a')).toBe(0);
  });
});

describe('the waits function on the real store', () => {
  const event = {
    version: '0',
    id: 'e-1',
    'detail-type': 'RDS DB Snapshot Event',
    source: 'aws.rds' as const,
    account: '123456789012',
    time: '2024-05-01T08:40:00Z',
    region: 'us-east-1',
    resources: [ARN],
    detail: { SourceArn: ARN, EventID: 'RDS-EVENT-0161', Message: 'Snapshot export task completed' },
  };
  const waitsDeps = () => ({ ...deps, rds: new RDSClient({ region: 'us-east-1' }), now: () => at(40) });
  const queueOne = (id: string, minute: number) =>
    enqueue(deps, {
      exportTaskIdentifier: id,
      since: at(minute).toISOString(),
      limit: 5,
      token: `token-${id}`,
      now: at(30),
    });

  it('wakes the waiter of the export the event names and grants its slot to the oldest queued export at once', async () => {
    for (const id of ['orders-1-abc', 'b', 'c', 'd', 'e']) await take(id);
    await reconcileSlots(deps, ['orders-1-abc', 'b', 'c', 'd', 'e'], at(30));
    await parkExportWaiter(deps, {
      sourceArn: ARN,
      exportTaskIdentifier: 'orders-1-abc',
      token: 't-1',
      checkedAt: at(20),
      now: at(21),
    });
    await queueOne('next', 1);
    await queueOne('later', 2);
    await expect(handleWaits(event, waitsDeps())).resolves.toEqual({
      action: 'woken',
      eventId: 'RDS-EVENT-0161',
      exportTaskIdentifier: 'orders-1-abc',
      granted: ['next'],
    });
    expect(woken()).toEqual(['t-1', 'token-next']);
    expect(await held()).toEqual(['b', 'c', 'd', 'e', 'next']);
    // The leases were counted a moment ago: RDS is not asked.
    expect(rdsMock.commandCalls(DescribeExportTasksCommand)).toHaveLength(0);
  });

  it('counts RDS once at a release while a task started outside holds a slot, and frees it once it ended', async () => {
    for (const id of ['run-0', 'run-1', 'run-2', 'run-3']) await take(id);
    await reconcileSlots(deps, ['run-0', 'run-1', 'run-2', 'run-3', 'by-hand'], at(30));
    await queueOne('w1', 1);
    await queueOne('w2', 2);
    rdsMock.on(DescribeExportTasksCommand).resolves({
      ExportTasks: ['run-0', 'run-1', 'run-2'].map((id) => ({
        ExportTaskIdentifier: id,
        Status: 'IN_PROGRESS',
      })),
    });
    await expect(
      handleWaits({ action: 'release', exportTaskIdentifier: 'run-3' }, waitsDeps()),
    ).resolves.toEqual({
      action: 'released',
      activeExports: 3,
      woken: ['w1', 'w2'],
    });
    expect(rdsMock.commandCalls(DescribeExportTasksCommand)).toHaveLength(1);
    expect(await held()).toEqual(['run-0', 'run-1', 'run-2', 'w1', 'w2']);
  });

  it('grants a slot freed before a waiter parked to that waiter as it parks', async () => {
    await take('run-0');
    await expect(
      handleWaits(
        {
          action: 'wait-slot',
          taskToken: 'token-late',
          exportTaskIdentifier: 'late',
          since: at(1).toISOString(),
          limit: 5,
        },
        waitsDeps(),
      ),
    ).resolves.toEqual({ action: 'parked', woken: ['late'] });
    expect(woken()).toEqual(['token-late']);
  });
});
