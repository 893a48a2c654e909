/**
 * Wraps every method of a port so what it throws (synchronously or as a rejection) passes
 * through `translate` first: how an adapter maps its driver's failures onto core's
 * SERVICE_UNAVAILABLE once, instead of in every method.
 */
export function guardPort<T extends object>(port: T, translate: (error: unknown) => unknown): T {
  // One wrapper per method, made on first use: validation calls through here on every request.
  const wrappers = new Map<PropertyKey, { of: unknown; wrapper: (...args: unknown[]) => unknown }>();
  return new Proxy(port, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      const known = wrappers.get(name);
      if (known !== undefined && known.of === value) return known.wrapper;
      const wrapper = (...args: unknown[]) => {
        let result: unknown;
        try {
          result = (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (error) {
          throw translate(error);
        }
        return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(translate(error))) : result;
      };
      wrappers.set(name, { of: value, wrapper });
      return wrapper;
    },
  });
}
