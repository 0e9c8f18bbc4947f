/**
 * TempURL's header lists (`incoming_remove_headers`, `outgoing_allow_headers`, …): names,
 * any ending in `*` to match a prefix, compared without regard to case.
 */

/** A test for "remove this header": listed for removal and not excepted by the allow list. */
export function headerRemover(
  remove: readonly string[],
  allow: readonly string[],
): (name: string) => boolean {
  const matches = (patterns: readonly string[], name: string) =>
    patterns.some((pattern) => {
      const p = pattern.toLowerCase();
      return p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p;
    });
  return (name) => {
    const lower = name.toLowerCase();
    return matches(remove, lower) && !matches(allow, lower);
  };
}
