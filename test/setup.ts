// aws-local-stepfunctions 3 declares Node >= 22 and uses Promise.withResolvers, which Node 20 lacks;
// the local stack needs the same polyfill, so both load it from one place.
import '#local/runtime/polyfills.ts';

// Quiet output. A variable already set (to debug a test) wins, and a test about logging or metrics
// sets its own with vi.stubEnv.
// @aws-sdk/core warns once per process (each test file) that its releases after January 2027 need
// Node 22; this is the switch its emitWarningIfUnsupportedVersion reads.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Powertools Metrics writes no EMF lines when disabled.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

// Powertools Logger writes its JSON lines straight to stdout and stderr (WARN and above), through a
// Console of its own, past vitest's console capture. Tests read those lines (that a webhook URL is
// redacted, what a log line holds) by tapping or spying on process.stdout.write, which sees every
// line before this drops it.
const POWERTOOLS_LOG_LINE = /^\{"level":"[A-Z]+","message":/;
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write;
  stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
    if (typeof chunk === 'string' && POWERTOOLS_LOG_LINE.test(chunk)) {
      const done = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      if (done) process.nextTick(done);
      return true;
    }
    return (write as (...args: unknown[]) => boolean).apply(this, [chunk, ...rest]);
  } as typeof stream.write;
}
