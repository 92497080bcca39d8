import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeExportTasksCommand, RDSClient } from '@aws-sdk/client-rds';
import { SendTaskSuccessCommand, SFNClient, SFNServiceException, TaskTimedOut } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handleWaits } from '#functions/waits/waits.ts';
import { type LocalDynamoDb, startLocalDynamoDb } from '#local/dynamodb/server.ts';
import { LOCAL_CREDENTIALS } from '#local/s3/server.ts';
import { classified } from '#shared/aws/classified.ts';
import { anyQueued } from '#shared/slots/grants.ts';
import {
  LEASE_GRACE_SECONDS,
  needsReconcile,
  RECONCILE_EVERY_SECONDS,
  reconcileSlots,
} from '#shared/slots/leases.ts';
import type { SlotSemaphore } from '#shared/slots/semaphore.ts';
import { slotSemaphore, type WaitsDeps } from '#shared/slots/waiting.ts';

// The slot semaphore (shared/slots/semaphore.ts: its waiters, leases and queue) against a real
// DynamoDB wire protocol (dynalite, in memory): the conditional writes are what keeps a slot from
// being given twice and a waiter from being woken twice.
const sfnMock = mockClient(SFNClient);
const rdsMock = mockClient(RDSClient);
let local: LocalDynamoDb;
let deps: WaitsDeps;
let slots: SlotSemaphore;
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
    dynamodb: classified(
      new DynamoDBClient({
        region: 'us-east-1',
        endpoint: local.endpoint,
        credentials: LOCAL_CREDENTIALS,
      }),
      'dynamodb',
    ),
    sfn: classified(new SFNClient({ region: 'us-east-1' }), 'sfn'),
    table: `waits-${table++}`,
  };
  slots = slotSemaphore(deps);
});

/** Step Functions throttles the next SendTaskSuccess once. */
const throttleOneWake = () =>
  sfnMock.on(SendTaskSuccessCommand).rejectsOnce(
    new SFNServiceException({
      name: 'ThrottlingException',
      $fault: 'client',
      $metadata: {},
      message: 'Rate exceeded',
    }),
  );
const woken = () => sfnMock.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input.taskToken);

describe('the export waiter', () => {
  const park = (id: string, token: string, checkedAt: Date, now: Date, sourceArn = ARN) =>
    slots.park({ sourceArn, exportTaskIdentifier: id, token, checkedAt, now });

  it('keeps one waiter per export: two exports of one source each keep their own token', async () => {
    expect(await park('orders-1-slot-a', 't-a', at(0), at(1))).toBe('waiting');
    expect(await park('orders-1-slot-b', 't-b', at(0), at(2))).toBe('waiting');
    const waiters = await slots.ended(ARN, at(5));
    expect(waiters.sort((x, y) => x.token.localeCompare(y.token))).toEqual([
      { exportTaskIdentifier: 'orders-1-slot-a', token: 't-a' },
      { exportTaskIdentifier: 'orders-1-slot-b', token: 't-b' },
    ]);
  });

  it('removes a token only once its wake went through: a failed wake leaves it for the retry', async () => {
    await park('orders-1-abc', 't-1', at(0), at(1));
    const [waiter] = await slots.ended(ARN, at(5));
    if (waiter === undefined) throw new Error('no waiter');
    throttleOneWake();
    await expect(slots.wake(ARN, waiter, {})).rejects.toMatchObject({
      name: 'AwsThrottledError',
    });
    expect(await slots.ended(ARN, at(6))).toEqual([waiter]);
    expect(await slots.wake(ARN, waiter, {})).toBe(true);
    expect(await slots.ended(ARN, at(7))).toEqual([]);
  });

  it('removes a dead token too, and leaves a token the execution parked since', async () => {
    await park('orders-1-abc', 't-old', at(0), at(1));
    const [old] = await slots.ended(ARN, at(5));
    if (old === undefined) throw new Error('no waiter');
    // The execution was woken by its timeout meanwhile, looked, and parked again with a new token.
    await park('orders-1-abc', 't-new', at(6), at(6));
    sfnMock
      .on(SendTaskSuccessCommand, { taskToken: 't-old' })
      .rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
    expect(await slots.wake(ARN, old, {})).toBe(false);
    expect(await slots.ended(ARN, at(7))).toEqual([{ exportTaskIdentifier: 'orders-1-abc', token: 't-new' }]);
  });

  it('finds no waiter for an export no execution waits on', async () => {
    expect(await slots.ended('arn:aws:rds:us-east-1:123456789012:snapshot:not-ours', at(5))).toEqual([]);
  });

  it('leaves out a waiter past its expiry that TTL has not deleted yet', async () => {
    await park('orders-1-abc', 't-1', at(0), at(1));
    expect(await slots.ended(ARN, new Date(at(1).getTime() + 9 * 86_400_000))).toEqual([]);
  });

  it('says an export of the source ended when the event came between the last check and the parking', async () => {
    await slots.ended(ARN, at(10));
    expect(await park('orders-1-abc', 't-2', at(9), at(11))).toBe('ended');
    // An end older than the last check is an earlier export of the same source: wait for this one.
    expect(await park('orders-1-abc', 't-3', at(12), at(13))).toBe('waiting');
  });
});

const take = (id: string, minute = 0, limit = 5, by?: string) => slots.take(id, limit, at(minute), by);
const held = async () => [...(await slots.read()).leases.keys()].sort();

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
    await slots.giveBack('e');
    expect(await take('a', 1, 5, 'release-1')).toBe(false);
    expect(await take('f', 1, 5, 'release-1')).toBe(true);
    expect(await held()).toEqual(['a', 'b', 'c', 'd', 'f']);
  });

  it('takes back a grant only while the release that made it still holds it', async () => {
    await take('w', 0, 5, 'release-1');
    await slots.giveBack('w', 'release-2');
    expect(await held()).toEqual(['w']);
    // The export took it as its own meanwhile: the release's take-back leaves it.
    await take('w', 1);
    await slots.giveBack('w', 'release-1');
    expect(await held()).toEqual(['w']);
    await slots.giveBack('w');
    expect(await held()).toEqual([]);
  });

  it('gives nothing back, without failing, before any slot was ever taken', async () => {
    await expect(slots.giveBack('never')).resolves.toBeUndefined();
  });

  it('reconciles with RDS: outside tasks get a lease, leases of ended tasks go once past the grace', async () => {
    await take('ended-long-ago', 0);
    await take('granted-just-now', 59);
    const now = new Date(at(0).getTime() + LEASE_GRACE_SECONDS * 1000 + 60_000);
    const changed = await reconcileSlots(deps, ['started-by-hand'], now);
    expect(changed).toEqual({ added: ['started-by-hand'], removed: ['ended-long-ago'] });
    expect(await held()).toEqual(['granted-just-now', 'started-by-hand']);
    // The outside task ended: its lease goes at the next count, grace or not.
    await slots.reconcile([], new Date(now.getTime() + 1000));
    expect(await held()).toEqual(['granted-just-now']);
  });

  it('terminates when two active tasks are counted under one name (DynamoDB refuses a path named twice)', async () => {
    await take('run-0');
    const changed = await reconcileSlots(deps, ['t-dup', 't-dup', 'run-0'], at(1));
    expect(changed.added).toEqual(['t-dup']);
    expect(await held()).toEqual(['run-0', 't-dup']);
  });

  it('gives no outside lease to a task whose lease went back after RDS listed it', async () => {
    await take('ending', 0);
    const before = await slots.read();
    await slots.giveBack('ending');
    await slots.reconcile(['ending'], at(1), before);
    expect(await held()).toEqual([]);
  });

  it('asks for a count when one is old or an outside task holds a slot', async () => {
    expect(needsReconcile(await slots.read(), at(0))).toBe(true);
    await slots.reconcile([], at(0));
    expect(needsReconcile(await slots.read(), at(1))).toBe(false);
    expect(
      needsReconcile(await slots.read(), new Date(at(0).getTime() + RECONCILE_EVERY_SECONDS * 1000)),
    ).toBe(true);
    await slots.reconcile(['started-by-hand'], at(2));
    expect(needsReconcile(await slots.read(), at(3))).toBe(true);
  });
});

describe('the slot queue', () => {
  const queue = async (...entries: [string, number, number?][]) => {
    for (const [id, minute, limit] of entries) {
      await slots.enqueue({
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
    expect(await anyQueued(deps, at(40))).toBe(true);
    expect(await slots.grant(at(40), 'release-1')).toEqual(['a', 'b']);
    expect(woken()).toEqual(['token-a', 'token-b']);
    expect(await held()).toEqual(['a', 'b', 'running-0', 'running-1', 'running-2']);
    expect(await slots.ahead(at(3).toISOString(), 'c', at(40))).toBe(0);
  });

  it("keeps each waiter's own limit: one that allows 3 exports is not woken while 3 run", async () => {
    await running(3);
    await queue(['strict', 1, 3], ['open', 2]);
    expect(await slots.grant(at(40), 'release-1')).toEqual(['open']);
  });

  it('leaves a waiter that already holds a slot to start on its own', async () => {
    await running(3);
    await queue(['holding', 1], ['next', 2]);
    await take('holding', 20);
    expect(await slots.grant(at(40), 'release-1')).toEqual(['next']);
  });

  it('wakes nobody when no slot is free, and grants nothing', async () => {
    await running(5);
    await queue(['a', 1]);
    expect(await slots.grant(at(40), 'release-1')).toEqual([]);
    expect(woken()).toEqual([]);
    expect(await slots.ahead(at(2).toISOString(), 'z', at(40))).toBe(1);
  });

  it('gives a grant back at once when the waiter is dead, and grants the slot to the next one', async () => {
    await running(4);
    await queue(['gone', 1], ['next', 2]);
    // Its execution ended while it waited (rds-export cancel, a timeout, a failure): its token is dead.
    sfnMock
      .on(SendTaskSuccessCommand, { taskToken: 'token-gone' })
      .rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
    expect(await slots.grant(at(40), 'release-1')).toEqual(['next']);
    expect(await held()).not.toContain('gone');
    // Its queue item went with it: it is not tried again, nor counted ahead of anyone.
    expect(await slots.ahead(at(3).toISOString(), 'z', at(40))).toBe(0);
  });

  it('keeps a waiter queued, with no slot held for it, when its wake is throttled', async () => {
    await running(4);
    await queue(['a', 1]);
    throttleOneWake();
    await expect(slots.grant(at(40), 'release-1')).rejects.toMatchObject({ name: 'AwsThrottledError' });
    expect(await held()).not.toContain('a');
    expect(await slots.grant(at(41), 'release-2')).toEqual(['a']);
  });

  it('skips queue items past their expiry that TTL has not deleted yet', async () => {
    await running(3);
    await queue(['stale', 1]);
    const later = new Date(at(30).getTime() + 9 * 86_400_000);
    expect(await anyQueued(deps, later)).toBe(false);
    expect(await slots.ahead(at(2).toISOString(), 'z', later)).toBe(0);
    expect(await slots.grant(later, 'release-1')).toEqual([]);
    expect(woken()).toEqual([]);
  });

  it('never grants a slot twice nor wakes a waiter twice when two releases run at once', async () => {
    await running(3);
    await queue(['a', 1], ['b', 2], ['c', 3]);
    const [first, second] = await Promise.all([
      slots.grant(at(40), 'release-1'),
      slots.grant(at(40), 'release-2'),
    ]);
    const all = [...(first ?? []), ...(second ?? [])];
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort()).toEqual(['a', 'b']);
    expect(woken().sort()).toEqual(['token-a', 'token-b']);
    expect(await held()).toHaveLength(5);
  });

  it('counts the exports queued before one, for its timeout', async () => {
    await queue(['a', 1], ['b', 2], ['c', 3], ['d', 4]);
    expect(await slots.ahead(at(4).toISOString(), 'd', at(40))).toBe(3);
    expect(await slots.ahead(at(1).toISOString(), 'a', at(40))).toBe(0);
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
  const waitsDeps = () => ({
    ...deps,
    rds: classified(new RDSClient({ region: 'us-east-1' }), 'rds'),
    now: () => at(40),
  });
  const queueOne = (id: string, minute: number) =>
    slots.enqueue({
      exportTaskIdentifier: id,
      since: at(minute).toISOString(),
      limit: 5,
      token: `token-${id}`,
      now: at(30),
    });

  /** RDS describes each named task with this status. */
  const tasks = (statuses: Record<string, string>) => {
    for (const [id, status] of Object.entries(statuses)) {
      rdsMock
        .on(DescribeExportTasksCommand, { ExportTaskIdentifier: id })
        .resolves({ ExportTasks: [{ ExportTaskIdentifier: id, Status: status, SourceArn: ARN }] });
    }
  };
  const parkOn = (id: string, token: string) =>
    slots.park({
      sourceArn: ARN,
      exportTaskIdentifier: id,
      token,
      checkedAt: at(20),
      now: at(21),
    });

  it('wakes the waiter of the export that ended and grants its slot to the oldest queued export at once', async () => {
    for (const id of ['orders-1-abc', 'b', 'c', 'd', 'e']) await take(id);
    await slots.reconcile(['orders-1-abc', 'b', 'c', 'd', 'e'], at(30));
    await parkOn('orders-1-abc', 't-1');
    await queueOne('next', 1);
    await queueOne('later', 2);
    tasks({ 'orders-1-abc': 'COMPLETE' });
    await expect(handleWaits(event, waitsDeps())).resolves.toEqual({
      action: 'woken',
      eventId: 'RDS-EVENT-0161',
      exportTaskIdentifiers: ['orders-1-abc'],
      granted: ['next'],
    });
    expect(woken()).toEqual(['token-next', 't-1']);
    expect(await held()).toEqual(['b', 'c', 'd', 'e', 'next']);
    // The task was described, the account's tasks not counted: the leases were counted a moment ago.
    expect(rdsMock.commandCalls(DescribeExportTasksCommand)).toHaveLength(1);
  });

  it('wakes only the export whose task ended when two exports of one source wait, and keeps the other one’s slot', async () => {
    for (const id of ['slot-0800', 'slot-0900']) await take(id);
    await parkOn('slot-0800', 't-0800');
    await parkOn('slot-0900', 't-0900');
    tasks({ 'slot-0800': 'COMPLETE', 'slot-0900': 'IN_PROGRESS' });
    await expect(handleWaits(event, waitsDeps())).resolves.toMatchObject({
      action: 'woken',
      exportTaskIdentifiers: ['slot-0800'],
    });
    expect(woken()).toEqual(['t-0800']);
    expect(await held()).toEqual(['slot-0900']);
    // A duplicate of the event, or the end of an export started outside the pipeline: the one still
    // running is neither woken nor freed.
    await expect(handleWaits(event, waitsDeps())).resolves.toMatchObject({
      action: 'ignored',
      reason: expect.stringContaining('still run'),
    });
    expect(woken()).toEqual(['t-0800']);
    expect(await held()).toEqual(['slot-0900']);
  });

  it('wakes the waiter when the event is retried after a throttled wake', async () => {
    await take('orders-1-abc');
    await parkOn('orders-1-abc', 't-1');
    tasks({ 'orders-1-abc': 'FAILED' });
    throttleOneWake();
    await expect(handleWaits(event, waitsDeps())).rejects.toMatchObject({ name: 'AwsThrottledError' });
    // EventBridge retries the invocation: the token is still there.
    await expect(handleWaits(event, waitsDeps())).resolves.toMatchObject({
      action: 'woken',
      exportTaskIdentifiers: ['orders-1-abc'],
    });
    expect(await held()).toEqual([]);
  });

  it('counts RDS once at a release while a task started outside holds a slot, and frees it once it ended', async () => {
    for (const id of ['run-0', 'run-1', 'run-2', 'run-3']) await take(id);
    await slots.reconcile(['run-0', 'run-1', 'run-2', 'run-3', 'by-hand'], at(30));
    await queueOne('w1', 1);
    await queueOne('w2', 2);
    rdsMock.on(DescribeExportTasksCommand).resolves({
      ExportTasks: ['run-0', 'run-1', 'run-2'].map((id) => ({
        ExportTaskIdentifier: id,
        Status: 'IN_PROGRESS',
      })),
    });
    await expect(
      handleWaits(
        { action: 'release', exportTaskIdentifier: 'run-3', sourceKind: 'db-snapshot' },
        waitsDeps(),
      ),
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
          sourceKind: 'db-snapshot',
        },
        waitsDeps(),
      ),
    ).resolves.toEqual({ action: 'parked', woken: ['late'] });
    expect(woken()).toEqual(['token-late']);
  });
});
