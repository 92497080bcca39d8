// Node 20 lacks Promise.withResolvers (Node 22, the Lambda runtime, has it); aws-local-stepfunctions
// uses it for Task timeouts. Loaded by the local stack and by test/setup.ts.
if (typeof Promise.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}
