import { collapseBlankLines } from './whitespace.js';

/**
 * Lines that are page furniture whatever element holds them: an ad slot's
 * label, a share bar's or a comment form's words, a teaser block's heading.
 * Markup does not always say so (an ad label in a bare <div> inside the
 * article, a "Comments" heading above a thread the extractor kept), but the
 * line alone does: a line holding nothing else is never article prose.
 * jusText and trafilatura keep similar lists. Compared whole, lower-cased,
 * without trailing punctuation; in the languages of the web's largest
 * shares.
 */
const FURNITURE_LINES = new Set([
  // advertising labels
  'advertisement', 'advertisements', 'advert', 'adverts', 'ad', 'ads', 'sponsored', 'sponsored content', 'paid content',
  'anzeige', 'werbung', 'publicidad', 'publicidade', 'publicité', 'pubblicità', 'advertentie', 'reklama', 'reklam', 'iklan',
  'реклама', '广告', '広告', '광고', 'quảng cáo',
  // navigation aids
  // (not "menu", "close", "print" or "email": a recipe has a menu, a contact list an email line, code a close)
  'skip to content', 'skip to main content', 'skip navigation', 'back to top', 'toggle navigation',
  // sharing
  'share', 'share this', 'share this article', 'share this story', 'share on facebook', 'share on twitter', 'tweet', 'pin it',
  // comment forms and headings
  'comments', 'comment', 'leave a reply', 'leave a comment', 'post a comment', 'add a comment', 'reply', 'join the conversation',
  'kommentare', 'commentaires', 'commenti', 'comentarios', 'comentários', 'deixe uma resposta', 'deja una respuesta', 'responder',
  'комментарии',
  // teaser blocks and sign-ups
  'you may also like', 'you might also like', 'related', 'related articles', 'related posts', 'related stories', 'read more',
  'read next', 'more stories', 'recommended', 'recommended for you', 'most popular', 'most read', 'trending', 'popular posts',
  'subscribe', 'sign up', 'follow us', 'newsletter', "don't miss", 'popular', 'latest', 'tags', 'loading content', 'about the author',
  'comments are closed', 'order reprints', 'print article', 'text size',
  // an author box's links (the box's name and bio are judged as text)
  'view author archive', 'email the author', 'more by this author', 'all posts by this author', 'view all posts',
  // the same teaser, related-content and author-box headings in the web's other large languages
  'auch interessant', 'das könnte sie auch interessieren', 'das könnte dich auch interessieren', 'mehr zum thema', 'lesen sie auch',
  'weiterführende links', 'ähnliche beiträge', 'ähnliche artikel', 'verwandte artikel', 'empfohlene beiträge', 'über den autor',
  'zum weiterlesen', 'siehe auch', 'kommentar verfassen', 'kommentar schreiben', 'schreibe einen kommentar', 'diesen artikel teilen',
  'à lire aussi', 'lire aussi', 'sur le même sujet', 'vous aimerez aussi', 'articles similaires', 'laisser un commentaire', 'vos réactions',
  'te puede interesar', 'también te puede interesar', 'lee también', 'lea también', 'noticias relacionadas', 'artículos relacionados',
  'deja un comentario', 'leggi anche', 'potrebbe interessarti anche', 'articoli correlati', 'lascia un commento',
  'leia também', 'veja também', 'notícias relacionadas', 'artigos relacionados', 'lees ook', 'gerelateerde artikelen',
  'zobacz też', 'zobacz także', 'czytaj także', 'czytaj też', 'polecane', 'читайте также', 'похожие статьи', '相关文章', '関連記事',
  // their navigation aids and prompts ("print" is English only above: a line of code may print)
  'zurück', 'zurück zur übersicht', 'zurück zur listenansicht', 'nach oben', 'zum seitenanfang', 'retour', 'volver', 'torna su',
  'drucken', 'artikel drucken', 'rezept drucken', 'seite drucken', 'imprimer', 'imprimir', 'stampa', 'drukuj', 'drukuj artykuł',
  'keine kommentare', 'no comments', 'aucun commentaire', 'sin comentarios', 'nessun commento', 'brak komentarzy', 'schon gelesen',
  'externer inhalt', 'mehr anzeigen', 'weiterlesen', 'lire la suite', 'leer más', 'leggi di più', 'czytaj dalej', 'więcej',
  // share and like widgets ("Teilen mit:" and "Gefällt mir Wird geladen …" are WordPress's), and the loading text they show first
  'teilen', 'teilen mit', 'artikel teilen', 'beitrag teilen', 'diesen beitrag teilen', 'partager', 'partager cet article',
  'compartir', 'compartir en', 'condividi', 'udostępnij', 'gefällt mir', 'gefällt mir wird geladen', 'like loading',
  'loading', 'wird geladen', 'chargement', 'cargando', 'caricamento', 'ładowanie',
  // lists of other articles
  'latest articles', 'latest posts', 'recent posts', 'most viewed', 'neueste artikel', 'neueste beiträge', 'letzte beiträge',
  'meistgelesen', 'meistgelesene artikel', 'articles récents', 'artículos recientes', 'entradas recientes',
  // rating and feedback prompts
  'no ratings yet', 'noch keine bewertungen', '(noch keine bewertungen)', 'rate this article', 'artikel bewerten',
  'was this article helpful', 'was this helpful', 'war der artikel nützlich', 'war der artikel hilfreich',
  'war dieser artikel hilfreich', 'hier können sie den artikel bewerten', 'möchten sie den artikel teilen',
  // buttons that load more of a list
  'load more', 'show more', 'lade weitere inhalte', 'weitere laden', 'mehr laden', 'charger plus', 'voir plus', 'cargar más',
  'alle angaben ohne gewähr',
  // a contact block's heading above the address the extraction removed, and a byline's lone word
  'kontakt', 'contact', 'von',
  'pour lire la suite', 'most commented', 'most discussed', 'meist-diskutiert', 'meistdiskutiert',
  'meistkommentiert', 'meist kommentiert',
  // shop buttons and their messages
  'add to cart', 'add to basket', 'in den warenkorb', 'zum warenkorb hinzufügen', 'ajouter au panier', 'añadir al carrito',
  'aggiungi al carrello', 'der artikel wurde erfolgreich hinzugefügt', 'added to cart', 'added to your cart',
  'shop now', 'view full details', 'see all', 'see details', 'read full details', 'expand description', 'select size', 'size guide',
  // a byline's label left on its own line, a teaser's link, a feedback prompt
  'written by', 'edited by', 'read full article', 'was this page helpful', "was this page's content helpful",
  // a shop's other products, under their headings
  'recently viewed', 'frequently bought together', 'similar items', 'people who viewed this item also viewed',
  'explore related items', 'related content', 'loading recommendations',
  // XenForo's thread furniture
  'thread starter', 'click to expand',
  // the heading of a table of contents (the table itself goes by its markup, or stays as the list of the text's headings)
  'table of contents', 'in this article', 'on this page',
  // phpBB's post buttons
  'reply with quote',
  // the notice under every Stack Exchange question (Stack Overflow, Super User, Server Fault, Ask Ubuntu, the *.stackexchange.com sites)
  'start asking to get answers', 'find the answer to your question by asking', 'ask question', 'explore related questions',
  'see similar questions with these tags',
  // the MathJax group markers around every post of a Stack Exchange site that typesets formulas between \$ signs
  // (Electrical Engineering's), each in a span the site's style sheet hides
  '\\$\\begingroup\\$', '\\$\\endgroup\\$', '$\\begingroup$', '$\\endgroup$',
]);

/** Trailing characters ignored when a line is compared: "Comments:", "Advertisement…", "Read more »", "Schon gelesen?". */
const TRAILING = /[\s:.…»›>|!?-]+$/u;
/** Leading ones: "- Anzeige -", "» Weiterlesen", "* Werbung", "↑ Back to top". */
const LEADING = /^[\s\-–—*•·|»›>↑]+/u;

/** Lines longer than this are never compared (every entry above is shorter, with room for a note in parentheses). */
const LONGEST_LISTED = 80;

/**
 * A dateline: "Published Nov 18, 2019 at 4:07 PM | Updated at 5:36 PM",
 * "UPDATED: 11:05, Tue, Nov 19, 2019". It starts with the word and holds a
 * time or a month and a year, so "Published in 1998, the novel sold..." stays.
 */
const DATELINE_START = /^(?:first |last |originally )?(?:published|updated|posted|modified|asked|answered|edited)\b/i;
const MONTH = '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const WEEKDAY = '(?:mon|tue(?:s)?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?';
const DATELINE_DATE = new RegExp(
  `\\b\\d{1,2}[:.]\\d{2}\\b|\\b${MONTH}\\.?\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+\\d{4}\\b|\\b\\d{1,2}(?:st|nd|rd|th)?\\s+${MONTH}\\.?,?\\s+\\d{4}\\b|\\b\\d{4}-\\d{2}-\\d{2}\\b`,
  'i',
);
const LONGEST_DATELINE = 120;

/** A line of nothing but a date and time: "Nov. 20, 2019, 9:28 AM UTC", "18 Nov 2019, 19:09". */
const DATE_WORDS = new RegExp(
  `\\b${MONTH}\\b\\.?|\\b${WEEKDAY}\\b\\.?|\\b(?:\\d+(?:st|nd|rd|th)?|[ap]\\.?m\\.?|at|on|utc|gmt|[ecmp][sd]t|hst|bst|cet|cest|ist|jst|aest|amt|et|pt)\\b|[\\s,.:;|/()\\u2013\\u2014-]+`,
  'gi',
);
/** It must hold a month beside a number, or a time: a bare year or range of years is a table's or a list's content. */
const DATE_OR_TIME = new RegExp(`\\b${MONTH}\\b.*\\d|\\d.*\\b${MONTH}\\b|\\d:\\d\\d`, 'i');

/**
 * A line of nothing but a numeric date, as most of the world writes one, with
 * an optional time: "23.10.2018", "2021-10-16", "16/03/2021 10:27". Day,
 * month and year all there: a bare year or a range of years stays.
 */
const NUMERIC_DATE = /^(?:\d{1,2}[./-]\s?\d{1,2}[./-]\s?\d{4}|\d{4}-\d{2}-\d{2})(?:,?\s+(?:um\s+|à\s+|at\s+)?\d{1,2}[:.h]\d{2}(?:\s*(?:uhr|h))?)?$/iu;

/**
 * A dateline in the web's other large languages: "Aktualisiert: 11.04.2020, 10:27",
 * "Veröffentlicht am 2. Februar 2022", "Publié le 16 mars 2021". It starts
 * with the word, holds a year or a time, and is short: a sentence that starts
 * so ("Veröffentlicht 1998 als Roman, wurde das Buch ...") runs longer.
 */
const OTHER_DATELINE_START = /^(?:veröffentlicht|veröffentlichung|publiziert|aktualisiert|erstellt|verfasst(?: von)?|geschrieben von|publié|mis à jour|publicado|actualizado|pubblicato|aggiornato|gepubliceerd|bijgewerkt|opublikowano|zaktualizowano)(?=[\s:]|$)/iu;
const YEAR_OR_TIME = /\b(?:19|20)\d{2}\b|\b\d{1,2}:\d{2}\b/;
const LONGEST_OTHER_DATELINE = 60;

/** A byline: "By Phil Helsel" (a name of two words or more: "By Car" is a travel guide's heading), or "By" and a name before a date. */
const BYLINE = /^[Bb]y(?: [\p{Lu}][\p{L}.'\u2019-]*){2,4}$/u;

/**
 * A teaser link: "Related: ...", "READ MORE: ...", "See more: ...", and the
 * same in other languages ("Lesen Sie auch: ...", "À lire aussi : ...",
 * "Lea también: ...", "Lea más: ...", "PUEDES VER: ...", "Leggi anche: ...", "Czytaj
 * także: ...").
 */
const TEASER = new RegExp(
  '^(?:related(?: posts?| articles?| stories| story| coverage| news)?|read (?:more|also|next)|see (?:more|also)|more' +
    '|lesen sie (?:auch|mehr)|auch lesen|mehr zum thema|siehe auch|(?:à )?lire aussi|voir aussi|le[ea] (?:también|más)|vea también' +
    // Not a bare "Lea:", "Lee:" or "Mira:": those are also speakers' names in interview transcripts.
    '|también (?:le[ea]|te puede interesar)|puedes ver|(?:te|le) recomendamos' +
    '|le puede interesar|te puede interesar|leggi anche|leia também|veja também|lees ook|czytaj (?:także|też)|zobacz (?:także|też)|читайте также)\\s*:',
  'iu',
);

/**
 * A copyright line ("© 2020 CBS Interactive Inc. All Rights Reserved.",
 * "Copyright 2019 The Harbour Gazette": the mark first, or the word and a year
 * or "all rights reserved", so a heading "Copyright law" stays) and a picture
 * credit or source line ("Foto: Getty Images", "Crédits photos : Bestimage",
 * "Quelle: dpa"): short, and the mark or the word first.
 */
const CREDIT = /^(?:©|\(c\)\s|copyright\b.*(?:\b(?:19|20)\d{2}\b|all rights reserved)|(?:titel|beitrags|artikel)?(?:foto|photo|bild|image|fotos|photos|bilder|images)s?\s?(?:credits?|nachweis|quelle)?\s?:|crédits? photos?\s?:|credits?\s?:|(?:photo(?:graph)?|image|picture)s? (?:by|courtesy of)\s|(?:quelle|source|fuente|fonte|źródło|bron)\s?:)/iu;
const LONGEST_CREDIT = 100;

/** A line in parentheses: "(Credit: Clayton Aldern / Grist)". */
const ENCLOSING_PARENTHESES = /^\((.*)\)$/u;

/**
 * A disclosure of advertising or affiliate links ("*Werbung. Dieser Beitrag enthält Werbung für ...",
 * "This post contains affiliate links."), or a line that an ad label opens ("ANZEIGE - Heute mal
 * ausgehen?"): short.
 */
const AD_DISCLOSURE = /\b(?:enthält|beinhaltet) (?:unbezahlte |bezahlte )?(?:werbung|affiliate[- ]links?)\b|\bcontains? affiliate[- ]links?\b|^\*?(?:anzeige|werbung|advertisement|sponsored)\s*[-–|:.]\s/iu;
const LONGEST_DISCLOSURE = 100;

/** An invitation to click: "CLICK HERE TO GET THE FOX NEWS APP". */
const CLICK_HERE = /\bclick(?:ing)? here\b/i;

/**
 * A short line inviting to a newsletter ("Kostenlos zum Newsletter anmelden", "Sign up for our
 * newsletter", "Mit unserem Newsletter bleiben Sie informiert"): the word and a verb of signing up.
 */
const NEWSLETTER = /\bnewsletter\b/iu;
const SIGN_UP = /\b(?:anmeld|abonnier|bestell|informiert|subscri|sign(?:ing)? up|inscri|suscr|iscriv|zapisz)/iu;
const LONGEST_PROMPT = 80;

/**
 * A post's filing line ("This entry was posted in News. Bookmark the permalink.", "Posted in
 * Travel | Tagged Spain", "Kategorie: News", "Permalink https://..."): the words first, short; a
 * "posted in" line holds no sentence ("Posted in 1998 to a friend, the letter ..." stays).
 */
const FILING = /^(?:this (?:entry|post) was posted\b|(?:posted|filed) (?:in|under):?\s[^.,]*(?:\||\btagged\b|$)|(?:kategorie|kategorien|category|categories|catégorie|categoría|categoria|kategoria)\s?:|perma(?:link|lien)\b)/iu;
const LONGEST_FILING = 100;

/** A login prompt: "Sie sind aktuell nicht eingeloggt.", "You must be logged in to post a comment." */
const LOGIN = /\b(?:nicht (?:eingeloggt|angemeldet)|eingeloggt sein|must be logged in|log in (?:or register )?to (?:post|comment|reply|answer)|connectez-vous pour|debes iniciar sesión)\b/iu;

/**
 * A question's or a post's counters and its author's card, as Q&A sites and forums print them:
 * "Asked 14 years, 10 months ago", "Viewed 6k times", "Modified today", "2 Likes" (Discourse),
 * "83.4k20 gold badges166 silver badges492 bronze badges" (a Stack Exchange user's reputation
 * and badges run together), "Posts: 1", "Reaction score: 12", "Replies 154", "Views 26.2k". The
 * whole line: never prose.
 */
const POST_COUNTERS = new RegExp(
  '^(?:(?:asked|modified|viewed|active|answered|edited)\\s+(?:[\\d.,]+k?\\s+times|(?:\\d+|an?|one)\\s+(?:year|month|week|day|hour|minute|min|second)s?(?:,?\\s+\\d+\\s+(?:year|month|week|day|hour|minute)s?)?\\s+ago|today|yesterday)' +
    '|[\\d.,]+k?\\s+(?:likes?|reactions?|upvotes?)' +
    '|[\\d.,]+k?(?:\\s*\\d+\\s+(?:gold|silver|bronze)\\s+badges?)+' +
    '|(?:posts|messages|threads|reputation|reaction score|likes received)\\s*:\\s*[\\d.,]+k?' +
    '|(?:replies|views|answers|votes)\\s*:?\\s*[\\d.,]+k?)$',
  'iu',
);

/** A subscription prompt: "Subscribe now to our eNATION edition for the full story.", "Jetzt abonnieren". */
const SUBSCRIBE = /^(?:subscribe (?:now|today|here|to)\b|jetzt (?:abonnieren|anmelden)\b|abonnez-vous\b|suscríbete\b|iscriviti\b)/iu;

/**
 * A reading-time note: "5 min read", "Lesezeit: 3 Minuten", "Temps de lecture : 4 min", "Czas
 * czytania: 2 min"; the whole line.
 */
const READING_TIME = /^(?:ten tekst przeczytasz w .{1,30}|(?:ca\.?\s*)?\d+\s*(?:-\s*\d+\s*)?(?:min(?:ute)?s?|minuten|minutos|minuti|minut)\.?\s*(?:read|reading|lesezeit|lesedauer|de lecture|de lectura|di lettura|czytania)|(?:lesezeit|lesedauer|reading time|read time|temps de lecture|tiempo de lectura|tempo di lettura|czas czytania)\s*:?\s*(?:ca\.?\s*)?\d+\s*(?:-\s*\d+\s*)?(?:min(?:ute)?s?|minuten|minutos|minuti|minut)\.?)$/iu;

/** The heading of a teaser block in a sentence of its own: "Das Thema könnte dich auch interessieren:", "You might also like these". */
const ALSO_INTERESTED = /(?:könnte[n]? (?:sie|dich|euch) auch interessieren|(?:might|may) also (?:like|enjoy|be interested)|vous (?:aimerez|pourriez aimer) aussi|también te (?:puede|podría) interesar)/iu;
const LONGEST_TEASER_HEADING = 60;

/** A count or note in parentheses after a furniture line ("Comments (3)", "Keine Kommentare (erscheinen nach Freigabe)"), or around one. */
const PARENTHESISED = new RegExp(`${ENCLOSING_PARENTHESES.source}|\\s*\\([^()]*\\)$`, 'u');

/** Compares a short line with FURNITURE_LINES, as it is and without a parenthesised note. */
function isListedLine(line: string): boolean {
  const key = line.trim().replace(TRAILING, '').replace(LEADING, '').toLowerCase();
  if (FURNITURE_LINES.has(key)) return true;
  const bare = key.replace(PARENTHESISED, '$1').replace(TRAILING, '');
  return bare !== key && FURNITURE_LINES.has(bare);
}

/**
 * A notice that the reader's browser needs scripts for what is not there: "This slideshow requires
 * JavaScript.", "Please enable JavaScript to view the comments powered by Disqus.", "Bitte
 * aktivieren Sie JavaScript"; from the line's start, so a sentence about JavaScript stays.
 */
const SCRIPT_NOTICE = /^(?:(?:this|the) (?:slideshow|gallery|video|player|content|page|site|website|map|form|feature|app|application|widget|element) requires javascript\b|(?:please |you (?:need|have|must) to |you must )?(?:enable|turn on|activate) javascript\b|javascript (?:is )?(?:required|disabled|must be enabled)\b|bitte aktivieren sie javascript\b|(?:veuillez )?activer (?:le )?javascript\b|(?:por favor,? )?(?:habilita|active|activa) (?:el )?javascript\b)/iu;

/**
 * Patterns a line matches whole or from its start, each with the longest line it is tried on
 * (what matches a short line would be a sentence's words in a long one).
 */
const SHORT_LINE_PATTERNS: readonly { longest: number; pattern: RegExp }[] = [
  { longest: 40, pattern: BYLINE },
  { longest: LONGEST_TEASER_HEADING, pattern: ALSO_INTERESTED },
  { longest: LONGEST_FILING, pattern: FILING },
  { longest: LONGEST_PROMPT, pattern: SUBSCRIBE },
  { longest: LONGEST_PROMPT, pattern: LOGIN },
  { longest: LONGEST_PROMPT, pattern: POST_COUNTERS },
  { longest: LONGEST_DISCLOSURE, pattern: AD_DISCLOSURE },
  { longest: 100, pattern: CLICK_HERE },
  { longest: LONGEST_DATELINE, pattern: READING_TIME },
  { longest: LONGEST_DATELINE, pattern: TEASER },
  { longest: 120, pattern: SCRIPT_NOTICE },
];

/**
 * A line that is only the address of a picture: a shop's or a forum's image field rendered as text
 * (BigCommerce's custom fields put 70 thumbnail addresses in a product's description). Never
 * article text: of the 2,008 gold texts of WCXB none holds one, while 153 lines of them are other
 * addresses (a link written out, a source), which stay.
 */
const IMAGE_ADDRESS = /^\s*https?:\/\/\S+\.(?:jpe?g|png|gif|webp|avif|svg|bmp)(?:[?#]\S*)?\s*$/i;

/**
 * A line of nothing but UUIDs, three or more, run together or with a letter or a space between
 * some: eBay spells "Sponsored" over each promoted listing as letters hidden among dozens of such
 * ids, which its style sheet hides and a reader never sees ("S19aea247-2e76-...-15a5a5664cfaG661bd3c3-576f-...").
 * Never text; ids a page means to show stand one a line (which stays) or among words (a log line).
 */
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const RUN_OF_UUIDS = new RegExp(`^\\s*(?:[a-z0-9]?\\s?${UUID}){3,}\\s*[a-z0-9]?\\s*$`, 'i');
/** How a run of UUIDs starts (a letter or none, then eight hex digits and a dash). */
const UUID_START = /[a-z0-9]?[0-9a-f]{8}-[0-9a-f]{4}-/iy;

/**
 * Longest line the whole-line patterns (IMAGE_ADDRESS, RUN_OF_UUIDS) judge; the other rules judge
 * lines of at most LONGEST_DATELINE characters.
 */
const LONGEST_WHOLE_LINE = 2000;

/**
 * Whether the line of `text` from `start` to `end`, longer than LONGEST_DATELINE, starts as one of
 * the whole-line patterns does: most long lines are prose, and are not split out to be tested.
 */
function mayBeLongFurniture(text: string, start: number, end: number): boolean {
  if (end - start > LONGEST_WHOLE_LINE) return false;
  if (text.startsWith('http', start)) return true;
  UUID_START.lastIndex = start;
  return UUID_START.test(text);
}

function isFurnitureLine(line: string): boolean {
  if (line.length <= LONGEST_LISTED && isListedLine(line)) return true;
  if (line.length <= LONGEST_WHOLE_LINE && (IMAGE_ADDRESS.test(line) || RUN_OF_UUIDS.test(line))) return true;
  // A table row (cells joined by tabs) is the table's content: "4.2.3<TAB>April 2014".
  if (line.length > LONGEST_DATELINE || line.includes('\t')) return false;
  const trimmed = line.trim();
  if ((DATELINE_START.test(trimmed) || /^by /i.test(trimmed)) && DATELINE_DATE.test(trimmed)) return true;
  if (trimmed.length <= 60 && DATE_OR_TIME.test(trimmed) && trimmed.replace(DATE_WORDS, '') === '') return true;
  if (NUMERIC_DATE.test(trimmed)) return true;
  if (trimmed.length <= LONGEST_CREDIT && CREDIT.test(trimmed.replace(ENCLOSING_PARENTHESES, '$1'))) return true;
  if (trimmed.length <= LONGEST_OTHER_DATELINE && OTHER_DATELINE_START.test(trimmed) && YEAR_OR_TIME.test(trimmed)) return true;
  if (trimmed.length <= LONGEST_PROMPT && NEWSLETTER.test(trimmed) && SIGN_UP.test(trimmed)) return true;
  return SHORT_LINE_PATTERNS.some(({ longest, pattern }) => trimmed.length <= longest && pattern.test(trimmed));
}

/**
 * The lines that end a text by introducing what is not there: "Related
 * posts:", "Weitere Beiträge aus der Kolumne:", "Kontakt:" above a block the
 * extraction removed. A text never ends on a colon; a line this short that
 * does is a lead-in, not the end of a paragraph.
 */
const LEAD_IN = /^.{1,80}:$/u;

/** `text` without the lead-in lines that end it (see LEAD_IN); never emptied. */
function dropTrailingLeadIns(text: string): string {
  let end = text.length;
  for (;;) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    if (start === 0 || !LEAD_IN.test(text.slice(start, end).trim())) break;
    end = start;
    while (end > 0 && text.charCodeAt(end - 1) === 10) end--;
  }
  return end === text.length ? text : text.slice(0, end);
}

/**
 * `text` without its furniture lines, datelines, bylines and teaser links,
 * and without the lead-in lines left at its end; blank-line paragraph breaks stay single.
 */
export function dropFurnitureLines(text: string): string {
  return dropTrailingLeadIns(dropLines(text));
}

function dropLines(text: string): string {
  // Most lines are longer than any furniture line: find the short ones without splitting the text.
  let out: string[] | null = null;
  let keptFrom = 0;
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if ((end - start <= LONGEST_DATELINE || mayBeLongFurniture(text, start, end)) && isFurnitureLine(text.slice(start, end))) {
      (out ??= []).push(text.slice(keptFrom, start));
      keptFrom = end + 1;
    }
    start = end + 1;
  }
  if (out === null) return text;
  out.push(text.slice(keptFrom));
  return collapseBlankLines(out.join(''));
}
