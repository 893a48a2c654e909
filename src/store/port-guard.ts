/**
 * Wraps every method of a port so what it throws (synchronously or as a rejection) passes
 * through `translate` first: how an adapter maps its driver's failures onto core's
 * SERVICE_UNAVAILABLE once, instead of in every method.
 */
export function guardPort<T extends object>(port: T, translate: (error: unknown) => unknown): T {
  return new Proxy(port, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        let result: unknown;
        try {
          result = (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (error) {
          throw translate(error);
        }
        return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(translate(error))) : result;
      };
    },
  });
}
