/**
 * A strict XML well-formedness check for the SVG explain writes: one root,
 * tags nested and closed, attributes quoted and unique, `&` only in entities,
 * no `<` in text or attribute values. Returns the decoded text content, so a
 * test can look for every node name; throws with the position of the first fault.
 */
export function parseXml(src: string): { root: string; elements: number; texts: string[] } {
  let i = 0;
  const stack: string[] = [];
  const texts: string[] = [];
  let root = '';
  let elements = 0;
  let rootClosed = false;
  const fail = (msg: string): never => {
    const line = src.slice(0, i).split('\n').length;
    throw new SyntaxError(`XML: ${msg} at line ${line} (offset ${i}): ${JSON.stringify(src.slice(i, i + 40))}`);
  };
  const NAME = /^[A-Za-z_:][\w:.-]*/;
  const ENTITY = /^&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/;

  const decode = (s: string, where: string): string => {
    let out = '';
    for (let k = 0; k < s.length; k++) {
      const c = s[k]!;
      if (c === '<') fail(`'<' in ${where}`);
      if (c === '&') {
        const m = ENTITY.exec(s.slice(k));
        if (!m) fail(`bare '&' in ${where}`);
        const e = m![1]!;
        out += e === 'amp' ? '&' : e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : e === 'apos' ? "'" : String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
        k += m![0].length - 1;
      } else {
        out += c;
      }
    }
    return out;
  };

  if (src.startsWith('<?xml')) {
    const end = src.indexOf('?>');
    if (end < 0) fail('unterminated XML declaration');
    i = end + 2;
  }
  while (i < src.length) {
    if (src.startsWith('<!--', i)) {
      const end = src.indexOf('-->', i + 4);
      if (end < 0) fail('unterminated comment');
      i = end + 3;
      continue;
    }
    if (src.startsWith('</', i)) {
      i += 2;
      const m = NAME.exec(src.slice(i));
      if (!m) fail('bad closing tag name');
      const name = m![0];
      i += name.length;
      while (/\s/.test(src[i] ?? '')) i++;
      if (src[i] !== '>') fail(`expected '>' closing </${name}`);
      i++;
      const open = stack.pop();
      if (open !== name) fail(`</${name}> closes <${open ?? 'nothing'}>`);
      if (stack.length === 0) rootClosed = true;
      continue;
    }
    if (src[i] === '<') {
      if (src.startsWith('<!', i) || src.startsWith('<?', i)) fail('unsupported declaration');
      if (rootClosed) fail('a second root element');
      i++;
      const m = NAME.exec(src.slice(i));
      if (!m) fail('bad tag name');
      const name = m![0];
      i += name.length;
      const seen = new Set<string>();
      for (;;) {
        const ws = /^\s*/.exec(src.slice(i))![0].length;
        i += ws;
        if (src.startsWith('/>', i)) {
          i += 2;
          elements++;
          if (stack.length === 0) {
            root = root || name;
            rootClosed = true;
          }
          break;
        }
        if (src[i] === '>') {
          i++;
          elements++;
          if (stack.length === 0) root = name;
          stack.push(name);
          break;
        }
        if (!ws) fail('expected whitespace before an attribute');
        const a = NAME.exec(src.slice(i));
        if (!a) fail('bad attribute name');
        const attr = a![0];
        if (seen.has(attr)) fail(`attribute ${attr} repeated`);
        seen.add(attr);
        i += attr.length;
        if (src[i] !== '=') fail(`expected '=' after ${attr}`);
        i++;
        const q = src[i];
        if (q !== '"' && q !== "'") fail(`attribute ${attr} is not quoted`);
        const end = src.indexOf(q!, i + 1);
        if (end < 0) fail(`unterminated value of ${attr}`);
        decode(src.slice(i + 1, end), `the value of ${attr}`);
        i = end + 1;
      }
      continue;
    }
    const next = src.indexOf('<', i);
    const raw = src.slice(i, next < 0 ? src.length : next);
    if (stack.length === 0 && raw.trim()) fail('text outside the root element');
    const text = decode(raw, 'text');
    if (text.trim()) texts.push(text);
    i = next < 0 ? src.length : next;
  }
  if (stack.length) fail(`<${stack[stack.length - 1]}> is never closed`);
  if (!root) fail('no root element');
  return { root, elements, texts };
}
