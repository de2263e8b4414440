/** Applies `map` to a value that may or may not be a promise, staying synchronous when it is not. */
export function then<T, U>(value: T | Promise<T>, map: (value: T) => U): U | Promise<U> {
  return value instanceof Promise ? value.then(map) : map(value);
}
