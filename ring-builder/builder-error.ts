/** A builder or CLI input problem, reported to the operator as one line (exit code 2). */
export class RingBuilderError extends Error {
  override name = 'RingBuilderError';
}
