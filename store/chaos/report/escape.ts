// Everything that reaches the page from a history — keys, values, error
// messages, member names, explanations — goes through one of these. Text
// content needs &, < and > escaped; attribute values (always double-quoted
// here) also need the quotes. The page's Content-Security-Policy forbids
// scripts as a second line of defence, but escaping is the first.

const textEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const attrEntities: Record<string, string> = { ...textEntities, '"': '&quot;', "'": '&#39;' };

/** Escapes a string for an element's text content. */
export function escapeText(s: string): string {
  return s.replace(/[&<>]/g, (c) => textEntities[c]!);
}

/** Escapes a string for a double-quoted attribute value. */
export function escapeAttr(s: string): string {
  return s.replace(/[&<>"']/g, (c) => attrEntities[c]!);
}

/** Cuts `s` to at most `max` characters, marking the cut with an ellipsis. */
export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`;
}
