// aws-local-stepfunctions 3 declares Node >= 22 and uses Promise.withResolvers, which Node 20 lacks.
// Node 20 is what development machines run here; Lambda runs nodejs22.x, which has it natively.
if (typeof Promise.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>() {
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
