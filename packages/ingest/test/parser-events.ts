/**
 * What a parser reports for a page, as a list of events: the reference for
 * the fast parser (src/extract/fast-parser.ts), which must report the same as
 * htmlparser2's own for what the light tree reads.
 */
import { Parser, type Handler } from 'htmlparser2';
import { KEPT_ATTRIBUTES, PARSER_OPTIONS, createFastParser } from '../src/extract/fast-parser.js';
import { asBrowserReadsCdata } from '../src/extract/light-dom.js';

const KEPT = new Set<string>(KEPT_ATTRIBUTES);

/** htmlparser2's own parser with the fast parser's options and no attribute filter: the reference. */
export function createReferenceParser(handlers: Partial<Handler>): Parser {
  return new Parser(handlers, PARSER_OPTIONS);
}

export function parserEvents(html: string, make: (handlers: Partial<Handler>) => Parser): string[] {
  const events: string[] = [];
  let parser: Parser;
  const handlers: Partial<Handler> = {
    onopentag(name, attribs, implied) {
      // Where the tag ends: the light tree restarts a parse there (see MAX_OPEN in light-dom.ts).
      const kept = Object.entries(attribs).filter(([k]) => KEPT.has(k)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      events.push(`open ${name} ${JSON.stringify(kept)} ${implied} @${parser.endIndex}`);
    },
    onclosetag(name, implied) {
      events.push(`close ${name} ${implied}`);
    },
    ontext(data) {
      events.push(`text ${JSON.stringify(data)}`);
    },
    oncomment(data) {
      events.push(`comment ${JSON.stringify(data)}`);
    },
  };
  parser = make(handlers);
  parser.end(html);
  return events;
}

/** The events of the fast parser, and of htmlparser2's own on the page as a browser reads `<![CDATA[`. */
export function bothParsers(html: string): { fast: string[]; reference: string[] } {
  // The rewrite shows in the text of scripts and in attribute values, where a browser reads it as text.
  const fast = parserEvents(html, createFastParser).map((e) => e.replaceAll('<![CDATA[', '<!-CDATA['));
  return { fast, reference: parserEvents(asBrowserReadsCdata(html), createReferenceParser) };
}
