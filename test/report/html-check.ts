/**
 * A small well-formedness checker for the report's HTML (test helper): every non-void element is closed in order,
 * SVG elements may self-close, comments and the doctype are skipped. Returns the problems found (empty when fine),
 * and counts start tags by name.
 */
const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
const RAW_TEXT = new Set(['style', 'script']);

export function checkTags(html: string): { problems: string[]; counts: Map<string, number> } {
  const problems: string[] = [];
  const counts = new Map<string, number>();
  const stack: string[] = [];
  const re = /<!--[\s\S]*?-->|<!DOCTYPE[^>]*>|<\/([a-zA-Z][\w-]*)\s*>|<([a-zA-Z][\w-]*)((?:\s+[^\s=>/]+(?:="[^"]*")?)*)\s*(\/?)>/g;
  let last = 0;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    const between = html.slice(last, m.index);
    if (between.includes('<')) problems.push(`stray '<' before offset ${m.index}: ${JSON.stringify(between.slice(0, 60))}`);
    last = re.lastIndex;
    if (m[1]) {
      const top = stack.pop();
      if (top !== m[1]) problems.push(`</${m[1]}> closes <${top}> at offset ${m.index}`);
    } else if (m[2]) {
      const name = m[2];
      counts.set(name, (counts.get(name) ?? 0) + 1);
      if (m[4] === '/' || VOID.has(name.toLowerCase())) continue;
      if (RAW_TEXT.has(name)) {
        const end = html.indexOf(`</${name}>`, re.lastIndex);
        if (end < 0) problems.push(`<${name}> never closed`);
        re.lastIndex = last = end;
      }
      stack.push(name);
    }
  }
  if (html.slice(last).includes('<')) problems.push('stray < at the end');
  if (stack.length) problems.push(`unclosed: ${stack.join(' > ')}`);
  return { problems, counts };
}
