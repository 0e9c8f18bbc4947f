/**
 * Text escaping as Swift's browser-facing middlewares write it (TempURL's Content-Disposition,
 * FormPost's redirect query, StaticWeb's listing pages): Python's `urllib.parse.quote` and
 * `html.escape`, so links and headers come out byte for byte as Swift's.
 */

const ALWAYS_SAFE = /^[A-Za-z0-9_.\-~]$/;

/** `urllib.parse.quote(text, safe)`: UTF-8 bytes, `%XX` for all but unreserved and `safe`. */
export function quote(text: string, safe = '/'): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    out +=
      byte < 0x80 && (ALWAYS_SAFE.test(char) || safe.includes(char))
        ? char
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#x27;',
};

/** `html.escape(text)` (quotes included). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ENTITIES[char]!);
}

/** Python's `str.title()`: each run of letters capitalized (`max file count` → `Max File Count`). */
export function titleWords(text: string): string {
  return text.replace(
    /[A-Za-z]+/g,
    (word) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase(),
  );
}
