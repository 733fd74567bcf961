import { CONSENT_DIALOG, holdsLandmark, isBoilerplate, isObviousFurniture } from './boilerplate.js';
import { TextRenderer, isHeadingTag } from './html-to-text.js';
import { HIDING_STYLE, type LightDocument, type LightNode } from './light-dom.js';

/**
 * Finds a page's main content on the light tree in time linear in the page:
 * paragraphs are scored by text length and commas, the score flows to their
 * containers (less with each level up) and is discounted by each container's
 * link density; the best container and those of its siblings that score
 * alike or read as prose form the article, which is then cleaned block by
 * block (link-dense lists and tables, image galleries, form blocks, share
 * bars, footers). These are the cues of Readability.js, boilerpipe and
 * trafilatura (text density, link density, tag and class/id words); all
 * counts are computed in one pass over the element array, so nothing is
 * quadratic in the nesting depth or the number of elements.
 */

/** A pass's switches; looser passes run when a strict one finds too little (as Readability does). */
interface PassFlags {
  /** Drop elements whose class or id says they are not content (comments, sidebars, menus...). */
  stripUnlikely: boolean;
  /** Let class and id words (article, content / comment, sidebar...) weigh in the scores. */
  weighClasses: boolean;
  /** Drop link-dense or image-heavy lists, tables and divs from the article. */
  cleanConditionally: boolean;
}

const PASSES: readonly PassFlags[] = [
  { stripUnlikely: true, weighClasses: true, cleanConditionally: true },
  { stripUnlikely: false, weighClasses: true, cleanConditionally: true },
  { stripUnlikely: false, weighClasses: false, cleanConditionally: true },
  { stripUnlikely: false, weighClasses: false, cleanConditionally: false },
];

/** An article this long is accepted without trying a looser pass. */
const ENOUGH_CHARS = 500;

/**
 * Class and id words of blocks that are not the article: Readability's list, and `side` as a whole
 * word (old Reddit's sidebar of a subreddit's rules, in the same rich-text class as its comments).
 */
const UNLIKELY = /(?:^|\s)side(?:$|\s)|-ad-|ai2html|banner|breadcrumbs|combx|comment|community|cover-wrap|disqus|extra|footer|gdpr|header|legends|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|sponsor|supplemental|ad-break|agegate|pagination|pager|popup|yom-remote/i;
const MAYBE_CONTENT = /and|article|body|column|content|main|mathjax|shadow/i;
const POSITIVE = /article|body|content|entry|hentry|h-entry|main|page|pagination|post|text|blog|story/i;
/**
 * Readability's negative words, but for `hidden` and `scroll` in CSS framework utilities, which say
 * how a box clips its content, not what it holds: Tailwind's `overflow-hidden` and
 * `overflow-x-scroll` (with or without a breakpoint prefix, `md:overflow-hidden`). As negative
 * words they cut every such box from the article: the responsive wrapper of a data table (a
 * training plan's weekly tables), a shop's product cards, a tool's description. Word F1 on WCXB's
 * development pages 0.8627 to 0.8633 (21 pages gained, 14 lost: a kept box can change which pass
 * or container wins), on its test pages 0.8932 to 0.8947 (8 gained, 1 lost); Zyte's and
 * trafilatura's sets unchanged.
 */
const NEGATIVE = /-ad-|(?<!overflow-(?:[xy]-)?)(?:hidden|scroll)|^hid$| hid$| hid |^hid |banner|combx|comment|com-|contact|footer|gdpr|masthead|media|meta|outbrain|promo|related|share|shoutbox|sidebar|skyscraper|sponsor|shopping|tags|widget/i;
const BYLINE = /byline|author|dateline|writtenby|p-author/i;
const SHARE = /(\b|_)(share|sharedaddy)(\b|_)/i;
/** Picture captions and credits, and galleries of pictures: not the article's prose, cut when short (galleries: when they hold a picture or no paragraph). */
const CAPTION = /caption|credit/i;
const GALLERY = /gallery|slideshow|carousel/i;
const UNLIKELY_ROLES = new Set(['menu', 'menubar', 'complementary', 'navigation', 'alert', 'alertdialog', 'dialog']);

/** Class and id words of an article's lead paragraph, set apart from its body (see PageAnalysis.lead). */
const LEAD = /(?:^|[\s_-])(?:lead|lede|intro|standfirst|chapo|chapeau|deck|abstract|summary)(?:$|[\s_-])/i;
/** A lead is a paragraph or two: [fewest, most] characters. */
const LEAD_CHARS: readonly [number, number] = [60, 1200];

/** A paragraph that is one short link: fewer characters than this, at least this share of them in links. */
const LINK_PARAGRAPH = { maxChars: 120, minLinkShare: 0.8 };

/** See PageAnalysis.widen. */
const WIDEN_SHARE = 0.25;
/** Post words of a comment's body: a thread of comments nests replies in replies (see withRepeats). */
const NESTED_POST = /comment(?!ary)/i;
/** See PageAnalysis.withRepeats: class words of a thread's post bodies. */
const POST_BODY = new RegExp(`post|message|answer|reply|cooked|bbwrapper|${NESTED_POST.source}`, 'i');
/** A class word that makes an element one comment (not a list of them, "comments", nor "commentary"). */
const COMMENT_WORD = /(?:^|\s)comment(?:$|\s)/i;
/** How far above a pick withRepeats looks for the comment it belongs to. */
const COMMENT_LEVELS = 4;
const REPEAT_MIN_CHARS = 25;
/** Class and id words of a block that holds a thread's replies (see inThread). */
const THREAD = /comment|replies|remark/i;
const REPEAT_MAX_LINK_DENSITY = 0.33;
/** See PageAnalysis.sections: the most link text a section of the picked one's kind may hold and join it. */
const SECTION_MAX_LINK_DENSITY = 0.25;
/** Elements scored as paragraphs. */
const SCORED = new Set(['SECTION', 'H2', 'H3', 'H4', 'H5', 'H6', 'P', 'TD', 'PRE']);
/** A DIV holding none of these reads as one paragraph. */
const BLOCKS = new Set(['BLOCKQUOTE', 'DL', 'DIV', 'IMG', 'OL', 'P', 'PRE', 'TABLE', 'UL']);
/** Elements that sit inside a line of text; a DIV's runs of them (and of text) are paragraphs. */
const PHRASING = new Set([
  'ABBR', 'AUDIO', 'B', 'BDO', 'BR', 'BUTTON', 'CITE', 'CODE', 'DATA', 'DATALIST', 'DFN', 'EM', 'EMBED', 'I', 'IMG', 'INPUT',
  'KBD', 'LABEL', 'MARK', 'MATH', 'METER', 'NOSCRIPT', 'OBJECT', 'OUTPUT', 'PROGRESS', 'Q', 'RUBY', 'SAMP', 'SCRIPT',
  'SELECT', 'SMALL', 'SPAN', 'STRONG', 'SUB', 'SUP', 'TEXTAREA', 'TIME', 'VAR', 'WBR', 'A', 'DEL', 'INS', 'FONT', 'U', 'S',
  'TT', 'BIG', 'STRIKE',
]);
/** Removed from the article whatever their content. */
const ALWAYS_CUT = new Set(['FIGCAPTION', 'FOOTER', 'ASIDE', 'LINK', 'OBJECT', 'EMBED', 'IFRAME', 'INPUT', 'TEXTAREA', 'SELECT', 'BUTTON']);
/**
 * What a FIGURE keeps when it holds one: code (Jekyll wraps every code block in
 * `<figure class="highlight">`), a table, a quotation. Other figures are pictures.
 */
const VERBATIM = new Set(['PRE', 'CODE', 'TABLE', 'BLOCKQUOTE']);
/** Judged block by block for link density, images and form fields. */
const CONDITIONAL = new Set(['FORM', 'FIELDSET', 'TABLE', 'UL', 'OL', 'DIV']);

const TAG_PRIOR: Readonly<Record<string, number>> = {
  DIV: 5, PRE: 3, TD: 3, BLOCKQUOTE: 3,
  ADDRESS: -3, OL: -3, UL: -3, DL: -3, DD: -3, DT: -3, LI: -3, FORM: -3,
  H1: -5, H2: -5, H3: -5, H4: -5, H5: -5, H6: -5, TH: -5,
};

export interface MainContent {
  /** The main text rendered with block structure, or '' when no pass finds a container with text. */
  text: string;
  /** Characters of all visible text of the page (whitespace runs counted as one). */
  pageChars: number;
  /** Share of the article's text inside links: low for prose, high for a listing's teasers. */
  linkDensity: number;
  /** The container the text was read from (null when no pass found text). */
  top: LightNode | null;
}

/**
 * Per switch of a pass, whether it changed anything: an element dropped as
 * unlikely content, a class weight other than 0, a block cut by the
 * conditional cleaning. A looser pass that only turns off switches that
 * changed nothing would repeat the pass before, to the byte.
 */
type PassEffects = { [S in keyof PassFlags]: boolean };

const SWITCHES = Object.keys(PASSES[0]!) as (keyof PassFlags)[];

/** True when `next` differs from the pass run before only in switches that had no effect there. */
function repeatsPass(next: PassFlags, ran: PassFlags, effects: PassEffects): boolean {
  return SWITCHES.every((s) => next[s] === ran[s] || !effects[s]);
}

/**
 * The main content of `doc`: the strictest pass that finds enough text, else
 * the longest. `everyPass` runs the passes that would repeat the one before
 * too (for tests: the result must be the same).
 */
export function mainContent(doc: LightDocument, { everyPass = false } = {}): MainContent {
  const analysis = new PageAnalysis(doc);
  let best: { text: string; linkDensity: number; top: LightNode | null; standing: number } = { text: '', linkDensity: 0, top: null, standing: 0 };
  let ran: PassFlags | null = null;
  for (const flags of PASSES) {
    // Pages where no pass finds enough (listings, home pages: four in ten of the shared corpus's HTML
    // pages) ran all four passes; most of those passes repeated the one before exactly (121 pages
    // ran four, 23 still do). Skipping a repeat changes no result: the same text neither reaches
    // ENOUGH_CHARS nor beats `best`.
    if (!everyPass && ran !== null && repeatsPass(flags, ran, analysis.effects)) continue;
    const found = analysis.run(flags);
    ran = flags;
    if (found.standing >= ENOUGH_CHARS) return { text: found.text, linkDensity: found.linkDensity, top: found.top, pageChars: analysis.pageChars };
    if (found.standing > best.standing) best = found;
  }
  return { text: best.text, linkDensity: best.linkDensity, top: best.top, pageChars: analysis.pageChars };
}

class PageAnalysis {
  private readonly els: LightNode[];
  private readonly n: number;
  /** Index one past the end of each element's subtree in `els`. */
  private readonly end: Int32Array;
  private readonly classAndId: string[];
  private readonly hidden: Uint8Array;
  /** Ancestor flags, bit 1: a TABLE, 2: a CODE, 4: a FIGURE. */
  private readonly under: Uint8Array;
  /** First-pass removals for the pass being run. */
  private readonly gone: Uint8Array;
  private readonly textLen: Float64Array;
  private readonly linkLen: Float64Array;
  private readonly commas: Float64Array;
  private readonly hasBlock: Uint8Array;
  private readonly score: Float64Array;
  private readonly scored: Uint8Array;
  /** Per TABLE: 0 not judged yet, 1 data table, 2 layout table. */
  private readonly tableKind: Uint8Array;
  private readonly articleTitle: string;
  /** 1 for an element that is a consent dialog (CONSENT_DIALOG): gone in every pass. */
  private readonly consentDialog: Uint8Array;
  private readonly hasMetaByline: boolean;
  readonly pageChars: number;
  /** What the last run's switches changed (see repeatsPass). */
  readonly effects = Object.fromEntries(SWITCHES.map((s) => [s, false])) as PassEffects;

  constructor(private readonly doc: LightDocument) {
    this.els = doc.elements;
    const n = (this.n = this.els.length);
    this.end = new Int32Array(n);
    this.classAndId = new Array<string>(n);
    this.hidden = new Uint8Array(n);
    this.under = new Uint8Array(n);
    this.tableKind = new Uint8Array(n);
    this.consentDialog = new Uint8Array(n);
    this.gone = new Uint8Array(n);
    this.textLen = new Float64Array(n);
    this.linkLen = new Float64Array(n);
    this.commas = new Float64Array(n);
    this.hasBlock = new Uint8Array(n);
    this.score = new Float64Array(n);
    this.scored = new Uint8Array(n);
    for (let i = n - 1; i >= 0; i--) {
      const e = this.els[i]!;
      let lastChild: LightNode | null = null;
      for (let c = e.firstChild; c !== null; c = c.nextSibling) if (c.nodeType === 1) lastChild = c;
      // Subtrees are contiguous: this one ends where its last element child's ends.
      const end = lastChild === null ? i + 1 : this.end[lastChild.index]!;
      this.end[i] = end;
      const a = e.attribs;
      this.classAndId[i] = a === null ? '' : `${a['class'] ?? ''} ${a['id'] ?? ''}`;
    }
    let pageChars = 0;
    for (let i = 0; i < n; i++) {
      const e = this.els[i]!;
      const p = e.parentNode;
      this.hidden[i] = (p !== null && this.hidden[p.index]) || isHidden(e) ? 1 : 0;
      if (!this.hidden[i]) for (let c = e.firstChild; c !== null; c = c.nextSibling) if (c.nodeType === 3) pageChars += measure(c).chars;
      if (p !== null) this.under[i] = this.under[p.index]! | (ANCESTOR_BITS[p.nodeName] ?? 0);
    }
    this.pageChars = pageChars;
    // A consent dialog (CONSENT_DIALOG) is gone in every pass. One that holds half the page's text
    // or more is a wrapper of the page when it holds a landmark of it (holdsLandmark), and a dialog
    // on a page with little text of its own when it does not (a forum thread of two short posts
    // under OneTrust's preference centre).
    for (let i = 1; i < n; i++) {
      const named = this.classAndId[i]!;
      if (named.length <= 1 || !CONSENT_DIALOG.test(named)) continue;
      if (shortText(this.els[i]!, pageChars / 2).length < pageChars / 2 || !holdsLandmark(this.els[i]!)) this.consentDialog[i] = 1;
    }
    this.articleTitle = articleTitle(doc);
    this.hasMetaByline = ['dc:creator', 'dcterm:creator', 'author', 'parsely-author'].some((k) => doc.meta.has(k));
  }

  /**
   * One pass. `standing` is what the pass is ranked by against the others (mainContent): the text's
   * length, but for a thread of comments gathered around a picked comment (withRepeats) the picked
   * comment's own characters. A short post's comments, together longer than the post, then do not
   * outrank a stricter pass that found the post (trafilatura's sprechwaisen page); a page that is
   * only a thread has no such pass to lose to.
   */
  run(flags: PassFlags): { text: string; linkDensity: number; top: LightNode; standing: number } {
    for (const s of SWITCHES) this.effects[s] = false;
    this.markGone(flags);
    this.count();
    let top = outOfQuotes(this.scoreAndPick(flags));
    let parts = this.article(top);
    if (parts.length === 1) ({ top, parts } = this.widen(top, parts));
    if (parts.length === 1) ({ top, parts } = this.sections(top, parts));
    const thread = this.withRepeats(top, parts, flags);
    parts = thread.parts;
    const lead = this.lead(top, parts);
    if (lead !== null) parts.unshift(lead);
    const cut = this.clean(parts, flags);
    this.cutTrailingLinks(parts, cut);
    // One text for all the parts: a heading in one part and what follows it in the next are judged
    // together, and so is a reply's quote with the post it quotes.
    const renderer = new TextRenderer({ dropOrphanHeadings: true, dropRepeatedQuotes: true });
    let chars = 0;
    let linkChars = 0;
    for (const root of parts) {
      if (cut[root.index]) continue;
      chars += this.textLen[root.index]!;
      linkChars += this.linkLen[root.index]!;
      // Class words judge what lies inside the article, not the article itself: the scores chose it
      // ("contentWithSidebar" is a content container whatever its last word says). Nor a block
      // holding most of the article's text: page builders wrap the article itself in classes
      // such as "elementor-widget".
      const rootChars = this.textLen[root.index]!;
      renderer.render(root, (e) => {
        const i = (e as LightNode).index;
        if (this.gone[i] === 1 || cut[i] === 1) return true;
        if (e === root) return false;
        return this.textLen[i]! * 2 > rootChars ? isObviousFurniture(e, true) : isBoilerplate(e, this.textLen[i]!, this.linkLen[i]!);
      });
    }
    const text = renderer.finish();
    return { text, linkDensity: chars === 0 ? 0 : linkChars / chars, top, standing: thread.nested ? Math.min(text.length, this.textLen[top.index]!) : text.length };
  }

  /** Pre-order: hidden elements, unlikely candidates, the byline and the heading that repeats the title. */
  private markGone(flags: PassFlags): void {
    const { els, gone, n } = this;
    let bylineFound = this.hasMetaByline;
    let titleHeaderFound = this.articleTitle === '';
    for (let i = 0; i < n; i++) {
      const e = els[i]!;
      const p = e.parentNode;
      if (this.hidden[i] || (p !== null && gone[p.index])) {
        gone[i] = 1;
        continue;
      }
      gone[i] = 0;
      if (i === 0) continue;
      const match = this.classAndId[i]!;
      const tag = e.nodeName;
      if (!bylineFound && (e.getAttribute('rel') === 'author' || (e.getAttribute('itemprop') ?? '').includes('author') || BYLINE.test(match))) {
        const t = shortText(e, 100);
        if (t.length > 0 && t.length < 100) {
          bylineFound = true;
          gone[i] = 1;
          continue;
        }
      }
      if (!titleHeaderFound && (tag === 'H1' || tag === 'H2') && textSimilarity(this.articleTitle, shortText(e, 400)) > 0.75) {
        titleHeaderFound = true;
        gone[i] = 1;
        continue;
      }
      if (this.consentDialog[i]) {
        gone[i] = 1;
        continue;
      }
      if (flags.stripUnlikely && this.isUnlikely(i)) {
        gone[i] = 1;
        this.effects.stripUnlikely = true;
      }
    }
  }

  /** Whether the element is an unlikely candidate, dropped in the strict passes: by its class and id words, or by its role. */
  private isUnlikely(i: number): boolean {
    const e = this.els[i]!;
    const match = this.classAndId[i]!;
    if (e.nodeName !== 'A' && UNLIKELY.test(match) && !MAYBE_CONTENT.test(match) && (this.under[i]! & 3) === 0) return true;
    const role = e.getAttribute('role');
    return role !== null && UNLIKELY_ROLES.has(role);
  }

  /**
   * Post-order sums over what is not gone: text length, link text length, commas, block children;
   * over the subtrees of elements `from` to `to` (by default the whole page), whose sums do not
   * reach the elements above `from`.
   */
  private count(from = 0, to = this.n): void {
    const { els, gone, textLen, linkLen, commas, hasBlock } = this;
    textLen.fill(0, from, to);
    linkLen.fill(0, from, to);
    commas.fill(0, from, to);
    hasBlock.fill(0, from, to);
    for (let i = to - 1; i >= from; i--) {
      if (gone[i]) continue;
      const e = els[i]!;
      for (let c = e.firstChild; c !== null; c = c.nextSibling) {
        if (c.nodeType === 3) {
          const m = measure(c);
          textLen[i] = textLen[i]! + m.chars;
          commas[i] = commas[i]! + m.commas;
        }
      }
      if (e.nodeName === 'A') {
        const href = e.getAttribute('href');
        linkLen[i] = textLen[i]! * (href !== null && href.startsWith('#') ? 0.3 : 1);
      }
      const p = e.parentNode;
      if (p !== null && i !== from) {
        const pi = p.index;
        textLen[pi] = textLen[pi]! + textLen[i]!;
        linkLen[pi] = linkLen[pi]! + linkLen[i]!;
        commas[pi] = commas[pi]! + commas[i]!;
        if (hasBlock[i] || BLOCKS.has(e.nodeName)) hasBlock[pi] = 1;
      }
    }
  }

  private linkDensity(i: number): number {
    const t = this.textLen[i]!;
    return t === 0 ? 0 : this.linkLen[i]! / t;
  }

  private classWeight(i: number, flags: PassFlags): number {
    if (!flags.weighClasses) return 0;
    const a = this.els[i]!.attribs;
    let w = 0;
    for (const v of [a?.['class'], a?.['id']]) {
      if (v === undefined || v === '') continue;
      if (NEGATIVE.test(v)) w -= 25;
      if (POSITIVE.test(v)) w += 25;
    }
    if (w !== 0) this.effects.weighClasses = true;
    return w;
  }

  /** Scores paragraphs into their containers and returns the best container (the body when none). */
  private scoreAndPick(flags: PassFlags): LightNode {
    const { els, gone, score, scored } = this;
    score.fill(0);
    scored.fill(0);
    const candidates: number[] = [];
    const add = (owner: LightNode | null, len: number, commaCount: number): void => {
      if (len < 25) return;
      const points = 1 + commaCount + Math.min(Math.floor(len / 100), 3);
      let level = 0;
      for (let a = owner; a !== null && level < 5; a = a.parentNode, level++) {
        const ai = a.index;
        if (!scored[ai]) {
          scored[ai] = 1;
          score[ai] = this.prior(ai, flags);
          candidates.push(ai);
        }
        score[ai] = score[ai]! + points / (level === 0 ? 1 : level === 1 ? 2 : level * 3);
      }
    };
    for (let i = 1; i < this.n; i++) {
      if (gone[i]) continue;
      const e = els[i]!;
      const tag = e.nodeName;
      if (SCORED.has(tag) || (tag === 'DIV' && !this.hasBlock[i] && !hasDoubleBreak(e))) {
        add(e.parentNode, this.textLen[i]!, this.commas[i]!);
      } else if (tag === 'DIV') {
        // A DIV mixing blocks and loose text: each run of inline content is a paragraph of the DIV.
        for (const run of this.inlineRuns(e)) add(e, run.length, run.commas);
      }
    }
    let top = -1;
    let inner = -1;
    for (const i of candidates) {
      score[i] = score[i]! * (1 - this.linkDensity(i));
      if (top < 0 || score[i]! > score[top]!) top = i;
      if (i > 0 && (inner < 0 || score[i]! > score[inner]!)) inner = i;
    }
    // The body wins when many teasers each give it a little (a story page with a grid of other
    // stories below): a container scoring half as much is the story.
    if (top === 0 && inner > 0 && score[inner]! * 2 >= score[0]!) top = inner;
    if (top <= 0) return this.doc.body;
    return this.els[this.refineTop(top, candidates)]!;
  }

  private prior(i: number, flags: PassFlags): number {
    const e = this.els[i]!;
    // A DIV without blocks was read as a paragraph, and scores as one.
    const tag = e.nodeName === 'DIV' && !this.hasBlock[i] ? 'P' : e.nodeName;
    return (TAG_PRIOR[tag] ?? 0) + this.classWeight(i, flags);
  }

  /**
   * Moves the pick up when several near-best containers share an ancestor
   * (an article split in columns), or when a parent scores nearly as well,
   * and past wrappers that hold nothing else.
   */
  private refineTop(top: number, candidates: number[]): number {
    const { els, score, scored } = this;
    const topScore = score[top]!;
    const rivals = candidates.filter((i) => i !== top && score[i]! / topScore >= 0.75).sort((a, b) => score[b]! - score[a]!).slice(0, 4);
    if (rivals.length >= 3) {
      for (let p = els[top]!.parentNode; p !== null && p.index !== 0; p = p.parentNode) {
        let holding = 0;
        for (const r of rivals) if (p.index < r && r < this.end[p.index]!) holding++;
        if (holding >= 3) {
          top = p.index;
          break;
        }
      }
    }
    let lastScore = score[top]!;
    const threshold = lastScore / 3;
    for (let p = els[top]!.parentNode; p !== null && p.index !== 0; p = p.parentNode) {
      if (!scored[p.index]) continue;
      const s = score[p.index]!;
      if (s < threshold) break;
      if (s > lastScore) {
        top = p.index;
        break;
      }
      lastScore = s;
    }
    for (let p = els[top]!.parentNode; p !== null && p.index !== 0 && elementChildren(p) === 1; p = p.parentNode) top = p.index;
    return top;
  }

  /**
   * An article alone in its container may be one of several blocks of the article one level up,
   * where a page builder wraps each run of paragraphs in its own block beside an empty one (an
   * embed's slot) and sets pull quotes between them: the pick then holds one block of the article.
   * Past wrappers whose other children hold no text, the pick is widened when the level above
   * holds another scored block with at least WIDEN_SHARE of the pick's text; a short box beside
   * an article (an author's note, a newsletter form, a comments app's heading) does not widen it.
   * Widening without that test took in Substack's comments heading, newsletter forms and casino
   * links on the 1,000 pages of docs/extraction.md's 2026 benchmark.
   */
  private widen(top: LightNode, parts: LightNode[]): { top: LightNode; parts: LightNode[] } {
    let wider = top;
    for (let p = top.parentNode; p !== null && p.index !== 0 && this.childrenWithText(p) === 1; p = p.parentNode) wider = p;
    if (wider === top) return { top, parts };
    const widerParts = this.article(wider);
    const enough = WIDEN_SHARE * this.textLen[top.index]!;
    const more = widerParts.some((s) => s !== wider && this.scored[s.index] === 1 && this.textLen[s.index]! >= enough);
    return more ? { top: wider, parts: widerParts } : { top, parts };
  }

  /**
   * A document in sections: when the pick is the body of one section (its parent holds the pick
   * and a heading, nothing else with text), the page's other sections are the parent's siblings
   * of the same tag and class that hold a heading too. Asciidoctor writes every section of a manual
   * so (`div.sect1` holding an `h2` and a `div.sectionbody`: git's reference pages), and the
   * scorer picks the longest section's body, whose parent holds two texts, so `widen` does not
   * climb. Paragraphs score their parent and grandparent only, so the other sections were neither
   * scored nor read: git-commit's page came out as its OPTIONS section alone (word F1 0.66 to
   * 0.99 with this). A list of teasers of the same class is link text (over
   * SECTION_MAX_LINK_DENSITY) and does not join.
   */
  private sections(top: LightNode, parts: LightNode[]): { top: LightNode; parts: LightNode[] } {
    const section = top.parentNode;
    if (section === null || section.index === 0 || !this.isSection(section, top)) return { top, parts };
    const cls = section.getAttribute('class');
    const parent = section.parentNode;
    if (cls === null || cls.trim() === '' || parent === null) return { top, parts };
    const more: LightNode[] = [];
    for (let c = parent.firstChild; c !== null; c = c.nextSibling) {
      if (c.nodeType !== 1 || c === section || c.nodeName !== section.nodeName || c.getAttribute('class') !== cls || this.gone[c.index]) continue;
      if (this.textLen[c.index]! === 0 || this.linkDensity(c.index) > SECTION_MAX_LINK_DENSITY || !hasHeadingChild(c)) continue;
      more.push(c);
    }
    if (more.length === 0) return { top, parts };
    return { top: parent, parts: [section, ...more].sort((a, b) => a.index - b.index) };
  }

  /** Whether `p` holds `child` and, beside it, only headings (at least one) among its children with text. */
  private isSection(p: LightNode, child: LightNode): boolean {
    let headings = 0;
    for (let c = p.firstChild; c !== null; c = c.nextSibling) {
      if (c.nodeType !== 1 || c === child || this.textLen[c.index] === 0) continue;
      if (!isHeadingTag(c.nodeName)) return false;
      headings++;
    }
    return headings > 0;
  }

  /**
   * A thread's posts: when the pick is one post body of a question-and-answer page or a forum
   * thread, the page holds its other posts in elements of the same tag and class (Stack
   * Exchange's "s-prose js-post-body", XenForo's "bbWrapper", Discourse's "cooked"), or of the
   * same tag and the same post words of their class (postKind), and the pick alone is the longest
   * answer without its question. Those elements join the parts in
   * document order when they read as prose (REPEAT_MIN_CHARS, at most REPEAT_MAX_LINK_DENSITY).
   * A pick that is a comment's body (NESTED_POST: a discussion page with no article, lobste.rs's
   * "comment_text") is joined by the thread's other comments at any depth, as replies nest in
   * replies; a page with an article picks the article, and its comments join nothing.
   */
  private withRepeats(top: LightNode, parts: LightNode[], flags: PassFlags): { parts: LightNode[]; nested: boolean } {
    const post = this.postOf(top);
    if (post === null) return { parts, nested: false };
    const { anchor, attribute, kind, inComment } = post;
    const postKindOf = inComment ? classWords : attribute === 'class' ? postKind : postSeries;
    // A page repeats a few class values on thousands of elements of the pick's tag.
    const kinds = new Map<string, string>();
    const kindOf = (value: string): string => {
      let k = kinds.get(value);
      if (k === undefined) kinds.set(value, (k = postKindOf(value)));
      return k;
    };
    const { els, gone, end } = this;
    const ranges = parts.map((p) => [p.index, end[p.index]!] as const);
    const inside = (i: number) => ranges.some(([from, to]) => i >= from && i < to);
    const more: LightNode[] = [];
    const signature = (e: LightNode) => `${this.textLen[e.index]} ${shortText(e, 200)}`;
    const seen = new Set(parts.map(signature));
    const anchorDepth = depth(anchor);
    const nested = inComment || NESTED_POST.test(kind);
    for (let i = 1; i < this.n; i++) {
      const e = els[i]!;
      if (e.nodeName !== anchor.nodeName || inside(i)) continue;
      const other = e.getAttribute(attribute);
      if (other === null || kindOf(other) !== kind || (inComment && !withinComment(e))) continue;
      // A reply in a block named for replies (Vanilla's "Comments" list) is a post of the thread.
      const revived = gone[i] === 1;
      if (revived && !(flags.stripUnlikely && this.inThread(i))) continue;
      // Not an ancestor of a part.
      if (ranges.some(([from]) => from > i && from < end[i]!)) continue;
      if (revived) this.revive(i);
      // Posts sit at one depth (a question one level above its answers, on Stack Exchange; a list of
      // replies may sit a wrapper deeper); the same rich-text class deeper or higher is another
      // component (an author's bio under the post). A copy of a part (the same post laid out
      // twice, for small and large screens) is not another post.
      const copy = signature(e);
      if (this.textLen[i]! < REPEAT_MIN_CHARS || this.linkDensity(i) > REPEAT_MAX_LINK_DENSITY || (!nested && Math.abs(depth(e) - anchorDepth) > (revived ? 2 : 1)) || seen.has(copy)) {
        if (revived) this.bury(i);
        continue;
      }
      seen.add(copy);
      more.push(e);
      i = end[i]! - 1;
    }
    if (more.length === 0) return { parts, nested: false };
    return { parts: [...parts, ...more].sort((a, b) => a.index - b.index), nested };
  }

  /**
   * Whether a gone element was dropped only for lying in a block whose class or id names a thread
   * of replies (THREAD), as forum packages name the list of a thread's replies (Vanilla's
   * "MessageList Comments", each reply an "ItemComment"): not hidden, not in a consent dialog, and
   * every unlikely block above it, the outermost included, so named.
   */
  private inThread(i: number): boolean {
    if (this.hidden[i]) return false;
    let outermost = -1;
    for (let p: LightNode | null = this.els[i]!; p !== null && this.gone[p.index]; p = p.parentNode) {
      const j = p.index;
      if (this.consentDialog[j]) return false;
      const unlikely = this.isUnlikely(j);
      if (unlikely && !THREAD.test(this.classAndId[j]!)) return false;
      outermost = unlikely ? j : -1;
    }
    return outermost >= 0;
  }

  /** Marks and counts the subtree of a gone element as if the element were not gone (its own subtree's rules still apply). */
  private revive(i: number): void {
    const { els, gone } = this;
    const stop = this.end[i]!;
    gone[i] = 0;
    for (let j = i + 1; j < stop; j++) {
      gone[j] = gone[els[j]!.parentNode!.index] || this.hidden[j] || this.consentDialog[j] || this.isUnlikely(j) ? 1 : 0;
    }
    this.count(i, stop);
  }

  /** Undoes `revive`. */
  private bury(i: number): void {
    const stop = this.end[i]!;
    this.gone.fill(1, i, stop);
    this.count(i, stop);
  }

  /**
   * The post the pick is or holds, and what names it: the pick's post words in its class, else a
   * numbered id of a post series (vBulletin names a post's table `post37601655`, its cell
   * `td_post_37601655` and its text `post_message_37601655`, with no class) on the pick or inside
   * it (the pick is then the post's table or wrapper): the innermost such element holding most of
   * the pick's text. A pick inside a comment (withinComment) is a post by its whole class value; a
   * pick with no class, by the post words of its child that holds most of its text. null when the
   * pick is no post, or holds two of one series (a thread's column).
   */
  private postOf(top: LightNode): { anchor: LightNode; attribute: 'class' | 'id'; kind: string; inComment: boolean } | null {
    const cls = top.getAttribute('class');
    if (cls !== null && POST_BODY.test(cls)) return { anchor: top, attribute: 'class', kind: postKind(cls), inComment: false };
    const named = cls !== null && cls.trim() !== '';
    if (named && withinComment(top)) return { anchor: top, attribute: 'class', kind: classWords(cls), inComment: true };
    // A pick with no class that wraps the post's body (XenForo 2 sets `<div itemprop="text">` between
    // `article.message-body` and `div.bbWrapper`): the child holding most of its text names the post.
    if (!named) {
      for (let c = top.firstChild; c !== null; c = c.nextSibling) {
        if (c.nodeType !== 1 || this.textLen[c.index]! * 2 <= this.textLen[top.index]!) continue;
        const inner = c.getAttribute('class');
        if (inner !== null && POST_BODY.test(inner)) return { anchor: c, attribute: 'class', kind: postKind(inner), inComment: false };
      }
    }
    const series = new Set<string>();
    let anchor: LightNode | null = null;
    let kind = '';
    for (let i = top.index; i < this.end[top.index]!; i++) {
      const id = this.els[i]!.getAttribute('id');
      const name = id === null ? '' : postSeries(id);
      if (name === '' || !POST_BODY.test(name)) continue;
      if (series.has(name)) return null;
      series.add(name);
      if (this.textLen[i]! * 2 > this.textLen[top.index]!) {
        anchor = this.els[i]!;
        kind = name;
      }
    }
    return anchor === null ? null : { anchor, attribute: 'id', kind, inComment: false };
  }

  /** Element children holding text. */
  private childrenWithText(e: LightNode): number {
    let n = 0;
    for (let c = e.firstChild; c !== null; c = c.nextSibling) if (c.nodeType === 1 && this.textLen[c.index]! > 0) n++;
    return n;
  }

  /** The best container and those of its siblings that score alike or read as prose. */
  private article(top: LightNode): LightNode[] {
    const parent = top.parentNode;
    if (parent === null) return [top];
    const { score, scored, gone } = this;
    const ti = top.index;
    const threshold = Math.max(10, score[ti]! * 0.2);
    const topClass = top.getAttribute('class') ?? '';
    const parts: LightNode[] = [];
    for (let s = parent.firstChild; s !== null; s = s.nextSibling) {
      if (s.nodeType !== 1) continue;
      const si = s.index;
      if (s === top) {
        parts.push(s);
        continue;
      }
      if (gone[si]) continue;
      const bonus = topClass !== '' && s.getAttribute('class') === topClass ? score[ti]! * 0.2 : 0;
      if (scored[si] && score[si]! + bonus >= threshold) {
        parts.push(s);
      } else if (s.nodeName === 'P' || (s.nodeName === 'DIV' && !this.hasBlock[si])) {
        const len = this.textLen[si]!;
        const ld = this.linkDensity(si);
        if ((len > 80 && ld < 0.25) || (len > 0 && len < 80 && ld === 0 && /\.( |$)/.test(shortText(s, 400)))) parts.push(s);
      }
    }
    return parts;
  }

  /**
   * The article's lead paragraph where the page sets it apart from the body
   * (a standfirst, chapô or deck in the article's header: "lead", "intro",
   * "chapo", "deck", "standfirst", "abstract"), so the body's container does
   * not hold it: the nearest such element before the article, inside the
   * article's ancestor four levels up (below the body: a column of the page
   * is not the article's header), with prose-like text (LEAD_CHARS, at most a
   * fifth of it in links) and outside every part. null when none.
   */
  private lead(top: LightNode, parts: readonly LightNode[]): LightNode | null {
    let scope: LightNode = top;
    for (let up = 0; up < 4; up++) {
      const parent = scope.parentNode;
      if (parent === null || parent.nodeName === 'BODY' || parent.nodeName === 'HTML') break;
      scope = parent;
    }
    const first = parts[0]!.index;
    for (let i = first - 1; i > scope.index; i--) {
      if (this.gone[i] || !LEAD.test(this.classAndId[i]!)) continue;
      const len = this.textLen[i]!;
      if (len < LEAD_CHARS[0] || len > LEAD_CHARS[1] || this.linkDensity(i) > 0.2) continue;
      // A part's ancestor holds the article: not a lead before it.
      if (this.end[i]! > first) continue;
      return this.els[i]!;
    }
    return null;
  }

  /**
   * Block-level cleaning of the article, bottom-up so a block is judged on
   * what is left of its children: returns the set of cut elements by index.
   */
  private clean(parts: LightNode[], flags: PassFlags): Uint8Array {
    const { els, gone } = this;
    const cut = new Uint8Array(this.n);
    for (const root of parts) {
      const from = root.index;
      const to = this.end[from]!;
      const c = new BlockCounts(to - from);
      const inTable = new Uint8Array(to - from);
      const inCode = new Uint8Array(to - from);
      const holdsVerbatim = new Uint8Array(to - from);
      for (let i = from + 1; i < to; i++) {
        const p = els[i]!.parentNode!;
        const pk = p.index - from;
        inTable[i - from] = inTable[pk]! || (p.nodeName === 'TABLE' && this.isDataTable(p)) ? 1 : 0;
        inCode[i - from] = inCode[pk]! || p.nodeName === 'CODE' ? 1 : 0;
      }
      for (let i = to - 1; i >= from; i--) {
        if (gone[i]) continue;
        const e = els[i]!;
        const k = i - from;
        c.addOwn(k, e);
        const tag = e.nodeName;
        if (VERBATIM.has(tag)) holdsVerbatim[k] = 1;
        let remove = ALWAYS_CUT.has(tag) || (tag === 'FIGURE' && !holdsVerbatim[k]);
        if (!remove && i !== from && SHARE.test(this.classAndId[i]!) && c.text[k]! < ENOUGH_CHARS) remove = true;
        if (!remove && i !== from && CAPTION.test(this.classAndId[i]!) && c.text[k]! < 300) remove = true;
        // A gallery is its pictures and their captions; a block so named that holds paragraphs and no
        // picture is text (a page's standfirst in "gallery-title-wrap").
        if (!remove && i !== from && GALLERY.test(this.classAndId[i]!) && c.text[k]! < 1000 && (c.images[k]! > 0 || c.paragraphs[k]! === 0)) remove = true;
        if (!remove && flags.weighClasses && (tag === 'H1' || tag === 'H2') && this.classWeight(i, flags) < 0) remove = true;
        if (!remove && flags.cleanConditionally && CONDITIONAL.has(tag) && !inTable[k] && !inCode[k]) {
          remove = this.conditionallyCut(i, k, c, flags);
          if (remove) this.effects.cleanConditionally = true;
        }
        if (remove) {
          cut[i] = 1;
          continue;
        }
        if (i !== from) {
          const pk = e.parentNode!.index - from;
          c.addTo(k, pk);
          if (holdsVerbatim[k]) holdsVerbatim[pk] = 1;
        }
      }
    }
    return cut;
  }

  /**
   * Cuts the paragraphs that are one short link (LINK_PARAGRAPH) after the article's last paragraph
   * of prose: the teasers a site sets below its articles as paragraphs ("Tunisia sends most foreign
   * fighters to ...", "Read more about ad blocking here."). Within the text such a paragraph can be
   * content (an address, the linked story a post is about), so only the trailing ones go.
   */
  private cutTrailingLinks(parts: readonly LightNode[], cut: Uint8Array): void {
    const { els, gone, textLen, linkLen, end } = this;
    // The link paragraphs since the last paragraph of prose.
    const trailing: number[] = [];
    for (const root of parts) {
      for (let i = root.index; i < end[root.index]!; i++) {
        if (gone[i] || cut[i]) {
          i = end[i]! - 1;
          continue;
        }
        if (els[i]!.nodeName !== 'P') continue;
        const chars = textLen[i]!;
        if (chars === 0) continue;
        const linkChars = linkLen[i]!;
        if (chars < LINK_PARAGRAPH.maxChars && linkChars >= LINK_PARAGRAPH.minLinkShare * chars) trailing.push(i);
        else if (chars >= 25 && linkChars < 0.5 * chars) trailing.length = 0;
      }
    }
    for (const i of trailing) cut[i] = 1;
  }

  /** Tables that hold data (a caption, header cells, many rows or columns) rather than layout: never cut as link-dense blocks. */
  private isDataTable(table: LightNode): boolean {
    const i = table.index;
    if (this.tableKind[i] === 0) this.tableKind[i] = judgeTable(table) ? 1 : 2;
    return this.tableKind[i] === 1;
  }

  private conditionallyCut(i: number, k: number, c: BlockCounts, flags: PassFlags): boolean {
    const e = this.els[i]!;
    if (e.nodeName === 'TABLE' && this.isDataTable(e)) return false;
    const weight = this.classWeight(i, flags);
    if (weight < 0) return true;
    if (c.commas[k]! >= 10) return false;
    const text = c.text[k]!;
    const isList = e.nodeName === 'UL' || e.nodeName === 'OL' || (text > 0 && c.listText[k]! / text > 0.9);
    const p = c.paragraphs[k]!;
    const img = c.images[k]!;
    const li = c.items[k]! - 100;
    const inputs = c.inputs[k]!;
    const headingDensity = text === 0 ? 0 : c.headingText[k]! / text;
    const linkDensity = text === 0 ? 0 : c.link[k]! / text;
    const figure = (this.under[i]! & 4) !== 0;
    const remove =
      (img > 1 && p / img < 0.5 && !figure) ||
      (!isList && li > p) ||
      inputs > Math.floor(p / 3) ||
      (!isList && headingDensity < 0.9 && text < 25 && (img === 0 || img > 2) && !figure && linkDensity > 0) ||
      (!isList && weight < 25 && linkDensity > 0.2) ||
      (weight >= 25 && linkDensity > 0.5) ||
      (img === 0 && text > 0 && c.textish[k]! === 0);
    if (remove && isList) {
      // A gallery: every item holds one image and nothing else.
      let items = 0;
      let imageItems = 0;
      for (let ch = e.firstChild; ch !== null; ch = ch.nextSibling) {
        if (ch.nodeType !== 1) continue;
        items++;
        if (elementChildren(ch) === 1 && ch.firstChild?.nodeName === 'IMG' && this.textLen[ch.index] === 0) imageItems++;
      }
      if (items > 0 && items === imageItems) return false;
    }
    return remove;
  }

  /** Runs of inline content directly in `e` (split at <br><br>), as text length and commas. */
  private inlineRuns(e: LightNode): { length: number; commas: number }[] {
    const runs: { length: number; commas: number }[] = [];
    let length = 0;
    let commaCount = 0;
    let breaks = 0;
    const close = (): void => {
      if (length > 0) runs.push({ length, commas: commaCount });
      length = commaCount = 0;
    };
    for (let c = e.firstChild; c !== null; c = c.nextSibling) {
      if (c.nodeType === 3) {
        const m = measure(c);
        if (m.chars > 0) breaks = 0;
        length += m.chars;
        commaCount += m.commas;
        continue;
      }
      const ci = c.index;
      if (this.gone[ci]) continue;
      if (c.nodeName === 'BR') {
        if (++breaks === 2) close();
        continue;
      }
      if (PHRASING.has(c.nodeName) && !this.hasBlock[ci]) {
        if (this.textLen[ci]! > 0) breaks = 0;
        length += this.textLen[ci]!;
        commaCount += this.commas[ci]!;
      } else {
        close();
        breaks = 0;
      }
    }
    close();
    return runs;
  }
}

/** Sums over the kept part of an article subtree, indexed from the subtree's root. */
class BlockCounts {
  readonly text: Float64Array;
  readonly link: Float64Array;
  readonly commas: Float64Array;
  readonly paragraphs: Float64Array;
  readonly images: Float64Array;
  readonly items: Float64Array;
  readonly inputs: Float64Array;
  readonly headingText: Float64Array;
  readonly listText: Float64Array;
  /** Text inside elements that hold prose (p, div, li, td, span...). */
  readonly textish: Float64Array;

  constructor(size: number) {
    this.text = new Float64Array(size);
    this.link = new Float64Array(size);
    this.commas = new Float64Array(size);
    this.paragraphs = new Float64Array(size);
    this.images = new Float64Array(size);
    this.items = new Float64Array(size);
    this.inputs = new Float64Array(size);
    this.headingText = new Float64Array(size);
    this.listText = new Float64Array(size);
    this.textish = new Float64Array(size);
  }

  /** Adds the element's own text and, for A, turns its whole text into link text. */
  addOwn(k: number, e: LightNode): void {
    let own = 0;
    for (let c = e.firstChild; c !== null; c = c.nextSibling) {
      if (c.nodeType === 3) {
        const m = measure(c);
        own += m.chars;
        this.commas[k] = this.commas[k]! + m.commas;
      }
    }
    this.text[k] = this.text[k]! + own;
    const tag = e.nodeName;
    if (tag === 'A') {
      const href = e.getAttribute('href');
      this.link[k] = this.text[k]! * (href !== null && href.startsWith('#') ? 0.3 : 1);
    }
    if (tag === 'P') this.paragraphs[k] = this.paragraphs[k]! + 1;
    else if (tag === 'IMG' && !isInlineIcon(e)) this.images[k] = this.images[k]! + 1;
    else if (tag === 'LI') this.items[k] = this.items[k]! + 1;
    else if (tag === 'INPUT') this.inputs[k] = this.inputs[k]! + 1;
    if (tag.length === 2 && tag[0] === 'H' && tag[1]! >= '1' && tag[1]! <= '6') this.headingText[k] = this.text[k]!;
    if (tag === 'UL' || tag === 'OL') this.listText[k] = this.text[k]!;
    if (TEXTISH.has(tag)) this.textish[k] = this.text[k]!;
  }

  addTo(k: number, parent: number): void {
    this.text[parent] = this.text[parent]! + this.text[k]!;
    this.link[parent] = this.link[parent]! + this.link[k]!;
    this.commas[parent] = this.commas[parent]! + this.commas[k]!;
    this.paragraphs[parent] = this.paragraphs[parent]! + this.paragraphs[k]!;
    this.images[parent] = this.images[parent]! + this.images[k]!;
    this.items[parent] = this.items[parent]! + this.items[k]!;
    this.inputs[parent] = this.inputs[parent]! + this.inputs[k]!;
    this.headingText[parent] = this.headingText[parent]! + this.headingText[k]!;
    this.listText[parent] = this.listText[parent]! + this.listText[k]!;
    this.textish[parent] = this.textish[parent]! + this.textish[k]!;
  }
}

const ANCESTOR_BITS: Readonly<Record<string, number>> = { TABLE: 1, CODE: 2, FIGURE: 4 };

const TEXTISH = new Set(['SPAN', 'LI', 'TD', 'BLOCKQUOTE', 'DL', 'DIV', 'IMG', 'OL', 'P', 'PRE', 'TABLE', 'UL']);

const COMMA_CODES = new Set([0x2c, 0x60c, 0xfe50, 0xfe10, 0xfe11, 0x2e41, 0x2e34, 0x2e32, 0xff0c]);

/**
 * Rendered length of a text node (trimmed, whitespace runs as one space) and
 * its commas, measured once into the node: every pass reads them.
 */
function measure(text: LightNode): LightNode {
  if (text.chars >= 0) return text;
  const s = text.nodeValue!;
  let length = 0;
  let commas = 0;
  let space = false;
  for (let j = 0; j < s.length; j++) {
    const ch = s.charCodeAt(j);
    if (ch === 32 || ch === 10 || ch === 9 || ch === 13 || ch === 12 || ch === 0xa0) {
      space = length > 0;
      continue;
    }
    if (space) length++;
    space = false;
    length++;
    if (ch === 44 || (ch > 0x7f && COMMA_CODES.has(ch))) commas++;
  }
  text.chars = length;
  text.commas = commas;
  return text;
}

/**
 * The pick, or the block that holds the quotation it lies in. A quotation is never a page's
 * article: it is part of the post or story that quotes it, and where it holds most of that
 * post's text (a reply quoting a long opening post, in XenForo's expandable quote), the scorer
 * picked the quote alone, and a thread gave the one quoted post without its replies.
 */
function outOfQuotes(top: LightNode): LightNode {
  let quote: LightNode | null = null;
  for (let p: LightNode | null = top; p !== null; p = p.parentNode) if (p.nodeName === 'BLOCKQUOTE') quote = p;
  return quote?.parentNode ?? top;
}

function isHidden(e: LightNode): boolean {
  if (!e.hidden) return false;
  // An image's fallback that a lazy loader marks aria-hidden still shows: only `hidden` or a style hides it.
  const a = e.attribs!;
  if (a['aria-hidden'] === 'true' && (a['class'] ?? '').includes('fallback-image')) return a['hidden'] !== undefined || HIDING_STYLE.test(a['style'] ?? '');
  return true;
}

function hasDoubleBreak(e: LightNode): boolean {
  let breaks = 0;
  for (let c = e.firstChild; c !== null; c = c.nextSibling) {
    if (c.nodeName === 'BR') {
      if (++breaks === 2) return true;
    } else if (c.nodeType === 1 || /\S/.test(c.nodeValue ?? '')) breaks = 0;
  }
  return false;
}

function elementChildren(e: LightNode): number {
  let n = 0;
  for (let c = e.firstChild; c !== null; c = c.nextSibling) if (c.nodeType === 1) n++;
  return n;
}

/**
 * Text of `e`, whitespace collapsed, read only up to about `limit` characters
 * of that collapsed text. Counted after collapsing: markup indented over many
 * lines (page builders nest a dozen levels) puts hundreds of characters of
 * whitespace before a container's first word, and a whole article read as
 * "short" by its whitespace was taken for a byline and removed.
 */
function shortText(e: LightNode, limit: number): string {
  let s = '';
  const stack: LightNode[] = [e];
  while (stack.length > 0 && s.length <= limit) {
    const n = stack.pop()!;
    if (n.nodeType === 3) {
      const text = n.nodeValue!.replace(/\s+/g, ' ');
      s += s.endsWith(' ') && text.startsWith(' ') ? text.slice(1) : text;
      continue;
    }
    const kids: LightNode[] = [];
    for (let c = n.firstChild; c !== null; c = c.nextSibling) kids.push(c);
    for (let j = kids.length - 1; j >= 0; j--) stack.push(kids[j]!);
  }
  return s.replace(/\s+/g, ' ').trim();
}

/** True for a data table: a caption or header cells, many rows or columns, no nested table. */
function judgeTable(table: LightNode): boolean {
  if (table.getAttribute('role') === 'presentation' || table.getAttribute('datatable') === '0') return false;
  if (table.getAttribute('summary')) return true;
  let rows = 0;
  let columns = 0;
  const stack: LightNode[] = [];
  for (let c = table.firstChild; c !== null; c = c.nextSibling) if (c.nodeType === 1) stack.push(c);
  while (stack.length > 0) {
    const n = stack.pop()!;
    const tag = n.nodeName;
    if (tag === 'TABLE') return false; // layout tables nest
    if (tag === 'CAPTION' || tag === 'TH' || tag === 'THEAD' || tag === 'TFOOT' || tag === 'COL' || tag === 'COLGROUP') return true;
    if (tag === 'TR') {
      rows++;
      columns = Math.max(columns, elementChildren(n));
    }
    for (let c = n.firstChild; c !== null; c = c.nextSibling) if (c.nodeType === 1) stack.push(c);
  }
  return rows >= 10 || columns > 4 || rows * columns > 10;
}

/**
 * The article's title as a reader sees it: a metadata title, or the page
 * title without its site part ("Title | Site"). The heading that repeats it
 * is left out of the text, since the title has its own field.
 */
function articleTitle(doc: LightDocument): string {
  for (const key of ['dc:title', 'dcterm:title', 'og:title', 'weibo:article:title', 'weibo:webpage:title', 'title', 'twitter:title', 'parsely-title']) {
    const v = doc.meta.get(key);
    if (v !== undefined) return v;
  }
  const title = doc.title ?? '';
  const separated = / [|\-\\/>»] /.exec(title);
  if (separated === null) return title;
  const beforeLast = title.replace(/(.*)[|\-\\/>»] .*/, '$1').trim();
  if (wordCount(beforeLast) >= 3) return beforeLast;
  const afterFirst = title.replace(/[^|\-\\/>»]*[|\-\\/>»](.*)/, '$1').trim();
  return wordCount(afterFirst) >= 3 ? afterFirst : title;
}

function wordCount(s: string): number {
  return s.split(/\s+/).filter((w) => w !== '').length;
}

/** Share of `b`'s words (by characters) that also occur in `a`. */
function textSimilarity(a: string, b: string): number {
  const tokensA = new Set(a.toLowerCase().split(/\W+/).filter((t) => t !== ''));
  const tokensB = b.toLowerCase().split(/\W+/).filter((t) => t !== '');
  if (tokensA.size === 0 || tokensB.length === 0) return 0;
  const unique = tokensB.filter((t) => !tokensA.has(t));
  return 1 - unique.join(' ').length / tokensB.join(' ').length;
}

/**
 * An emoticon or emoji set in a line of text (forums' `smilie`, WordPress's `wp-smiley` and `emoji`):
 * part of the sentence, not a picture. A post of three lines and five smileys is not a gallery.
 */
function isInlineIcon(img: LightNode): boolean {
  const cls = img.getAttribute('class');
  return cls !== null && INLINE_ICON.test(cls);
}

const INLINE_ICON = /smil(e|ie|ey)|emoji|emoticon/i;

/**
 * The words of a class value that name a post ("message", "post-body"), in order: posts of one
 * thread share them, whatever else marks one of them (XenForo adds `uix_threadAuthor` to the
 * opening post's classes).
 */
function postKind(cls: string): string {
  return cls.split(/\s+/).filter((name) => POST_BODY.test(name)).join(' ');
}

/** An id without its number (`post_message_37601655` -> `post_message_`), or '' when it has none: one thread's posts share it. */
function postSeries(id: string): string {
  const m = POST_ID.exec(id);
  return m === null ? '' : m[1]!;
}

const POST_ID = /^(\D+)\d+$/;

function hasHeadingChild(e: LightNode): boolean {
  for (let c = e.firstChild; c !== null; c = c.nextSibling) if (c.nodeType === 1 && isHeadingTag(c.nodeName)) return true;
  return false;
}

/** A class value as a set of words, in one spelling. */
function classWords(cls: string): string {
  return cls.trim().split(/\s+/).sort().join(' ');
}

/** Whether an element a few levels above `e` (COMMENT_LEVELS) is a comment by a word of its class (old Reddit's `div.thing.comment`). */
function withinComment(e: LightNode): boolean {
  let p = e.parentNode;
  for (let level = 0; level < COMMENT_LEVELS && p !== null; level++, p = p.parentNode) {
    const cls = p.getAttribute('class');
    if (cls !== null && COMMENT_WORD.test(cls)) return true;
  }
  return false;
}

/** Ancestors of `e` up to the body. */
function depth(e: LightNode): number {
  let d = 0;
  for (let p = e.parentNode; p !== null; p = p.parentNode) d++;
  return d;
}
