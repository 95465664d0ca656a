/**
 * The one error every function of the package throws for bad input: a real
 * `Error` carrying every issue the core found, each `{code, path, message}`.
 */
export class BatonError extends Error {
  /** @param {{code: string, path: string, message: string}[]} errors */
  constructor(errors) {
    const first = errors[0];
    const where = first.path === '' ? '(root)' : first.path;
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    super(`${first.code} at ${where}: ${first.message}${more}`);
    this.name = 'BatonError';
    /** Every issue, in the order SPEC.md §4 fixes. */
    this.errors = errors;
    /** The first issue's code, for `switch (err.code)`. */
    this.code = first.code;
    /** The first issue's RFC 6901 path. */
    this.path = first.path;
  }
}

/** A `BatonError` with a single issue. */
export function batonError(code, path, message) {
  return new BatonError([{ code, path, message }]);
}
