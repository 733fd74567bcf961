/**
 * Page templates for the demo crawl. Each carries the boilerplate a real page
 * has (cookie notice, header, nav menu, related links, footer, scripts) so the
 * HTML extraction of the pipeline has something to strip, and each site has its
 * own template so boilerplate differs between hosts. Templates are plain
 * functions of their input: no clocks, no randomness.
 */
import type { PageCharset } from './charset.js';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function metaCharset(charset: PageCharset): string {
  return `<meta http-equiv="Content-Type" content="text/html; charset=${charset}">`;
}

const COOKIE_NOTICE = (site: string) => `<div id="cookie-notice" class="cookie-notice" role="dialog" aria-label="Cookie consent">
  <p>We use cookies to remember your preferences and to understand how ${escapeHtml(site)} is used. By continuing to browse you agree to our use of cookies.
  <a href="/privacy#cookies">Read our cookie policy</a>.</p>
  <button type="button" id="cookie-accept">Accept all cookies</button> <button type="button" id="cookie-reject">Only necessary cookies</button>
</div>`;

const ANALYTICS_SCRIPT = `<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date());
  gtag('config', 'G-DEMO0000XX', { anonymize_ip: true });
  document.addEventListener('DOMContentLoaded', function () {
    var notice = document.getElementById('cookie-notice');
    var accept = document.getElementById('cookie-accept');
    if (document.cookie.indexOf('consent=1') >= 0 && notice) { notice.style.display = 'none'; }
    if (accept) accept.addEventListener('click', function () { document.cookie = 'consent=1; path=/; max-age=31536000'; notice.style.display = 'none'; });
  });
</script>`;

export interface MailPageInput {
  charset: PageCharset;
  /** 'spam' or 'ham' section of the archive. */
  section: string;
  listName: string;
  subject: string;
  from: string;
  date: string;
  /** Plain text body of the mail. */
  body: string;
  previousUrl: string;
  nextUrl: string;
}

/** Plain text mail body as paragraphs with line breaks, the way list archives render mail. */
function mailBodyHtml(body: string): string {
  return body
    .replace(/\r\n/g, '\n')
    .split(/\n[ \t]*\n+/)
    .map((para) => para.replace(/^\n+|\n+$/g, ''))
    .filter((para) => para.trim() !== '')
    .map((para) => `<p>${para.split('\n').map(escapeHtml).join('<br>\n')}</p>`)
    .join('\n');
}

/** A mailing-list archive page wrapping a plain text mail. */
export function mailPage(input: MailPageInput): string {
  const subject = input.subject === '' ? '(no subject)' : input.subject;
  return `<!DOCTYPE html>
<html lang="en">
<head>
${metaCharset(input.charset)}
<title>${escapeHtml(subject)} | ${escapeHtml(input.listName)} | Mail Archive</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/archive.css">
<link rel="alternate" type="application/rss+xml" title="Recent messages" href="/${input.section}/feed.xml">
</head>
<body class="message-page">
${COOKIE_NOTICE('the Mail Archive')}
<header class="site-header">
  <a class="logo" href="/">Mail Archive</a>
  <form class="search" action="/search" method="get"><input type="search" name="q" placeholder="Search all lists"> <button type="submit">Search</button></form>
  <a class="login" href="/login">Sign in</a>
</header>
<nav class="main-nav" aria-label="Main">
  <ul>
    <li><a href="/">Home</a></li>
    <li><a href="/lists/">All lists</a></li>
    <li><a href="/ham/">Discussion lists</a></li>
    <li><a href="/spam/">Spam trap</a></li>
    <li><a href="/help/">Help</a></li>
    <li><a href="/about/">About</a></li>
  </ul>
</nav>
<div class="breadcrumb"><a href="/">Home</a> &rsaquo; <a href="/${input.section}/">${escapeHtml(input.listName)}</a> &rsaquo; Message</div>
<main id="content">
<article class="message">
<h1>${escapeHtml(subject)}</h1>
<table class="headers">
<tr><th>From:</th><td>${escapeHtml(input.from)}</td></tr>
<tr><th>Date:</th><td>${escapeHtml(input.date)}</td></tr>
<tr><th>List:</th><td>${escapeHtml(input.listName)}</td></tr>
</table>
<div class="message-body">
${mailBodyHtml(input.body)}
</div>
</article>
<nav class="thread-nav" aria-label="Thread">
  <a rel="prev" href="${input.previousUrl}">&laquo; Previous message</a> |
  <a href="/${input.section}/">Thread index</a> |
  <a rel="next" href="${input.nextUrl}">Next message &raquo;</a>
</nav>
<aside class="ads"><p>Advertisement</p><a href="/go/hosting"><img src="/static/banner-hosting.png" alt="Fast, reliable list hosting from $4.99/month"></a></aside>
</main>
<footer class="site-footer">
  <ul>
    <li><a href="/about/">About the archive</a></li>
    <li><a href="/privacy">Privacy policy</a></li>
    <li><a href="/terms">Terms of use</a></li>
    <li><a href="/contact">Contact</a></li>
    <li><a href="/removal">Request removal</a></li>
  </ul>
  <p>© 2002–2024 Mail Archive. Messages are the property of their authors.</p>
</footer>
<script src="/static/archive.js" defer></script>
${ANALYTICS_SCRIPT}
</body>
</html>
`;
}

/**
 * An HTML mail served as it is: only its charset declaration is replaced by the
 * one the page is really encoded in, because a stale <meta charset> would
 * contradict the HTTP header and the bytes.
 */
export function htmlMailPage(html: string, charset: PageCharset): string {
  const withoutMeta = html.replace(/<meta\b[^>]*charset[^>]*>/gi, '');
  const meta = metaCharset(charset);
  if (/<head\b[^>]*>/i.test(withoutMeta)) return withoutMeta.replace(/<head\b[^>]*>/i, (head) => `${head}\n${meta}`);
  if (/<html\b[^>]*>/i.test(withoutMeta)) return withoutMeta.replace(/<html\b[^>]*>/i, (tag) => `${tag}\n<head>${meta}</head>`);
  return `<html><head>${meta}</head>\n${withoutMeta}</html>\n`;
}

export interface SpeechPageInput {
  charset: PageCharset;
  year: number;
  name: string;
  party: string;
  /** Heading line; the near-duplicate mirror uses another wording. */
  heading: string;
  paragraphs: string[];
  related: Array<{ url: string; label: string }>;
}

/** A speech archive article page. */
export function speechPage(input: SpeechPageInput): string {
  const party = input.party === 'none' ? 'no party' : input.party;
  return `<!DOCTYPE html>
<html lang="en-US">
<head>
${metaCharset(input.charset)}
<title>${escapeHtml(input.heading)} | The Presidency Archive</title>
<meta name="description" content="Full text of the ${input.year} annual message to Congress by ${escapeHtml(input.name)}.">
<meta property="og:type" content="article">
<link rel="stylesheet" href="/assets/site.css">
<script type="application/ld+json">{"@context":"https://schema.org","@type":"Article","headline":"${escapeHtml(input.heading)}","author":{"@type":"Person","name":"${escapeHtml(input.name)}"},"datePublished":"${input.year}"}</script>
</head>
<body>
${COOKIE_NOTICE('The Presidency Archive')}
<div class="top-bar"><a href="/donate" class="donate">Support the archive</a> <a href="/newsletter">Newsletter</a> <a href="/account">My account</a></div>
<header class="masthead">
  <a href="/" class="brand">The Presidency Archive</a>
  <p class="tagline">Primary documents of American history</p>
</header>
<nav class="menu" aria-label="Primary">
  <ul>
    <li><a href="/speeches/">Speeches</a></li>
    <li><a href="/sotu/">State of the Union</a></li>
    <li><a href="/presidents/">Presidents</a></li>
    <li><a href="/elections/">Elections</a></li>
    <li><a href="/timeline/">Timeline</a></li>
    <li><a href="/teachers/">For teachers</a></li>
    <li><a href="/about/">About</a></li>
  </ul>
</nav>
<main>
<article class="document">
<p class="breadcrumb"><a href="/">Home</a> / <a href="/sotu/">State of the Union</a> / ${input.year}</p>
<h1>${escapeHtml(input.heading)}</h1>
<p class="byline">${escapeHtml(input.name)} (${escapeHtml(party)}) · Delivered to Congress, ${input.year}</p>
<div class="share">Share: <a href="/share/twitter">Twitter</a> · <a href="/share/facebook">Facebook</a> · <a href="/share/email">Email</a> · <a href="javascript:window.print()">Print</a></div>
<div class="document-text">
${input.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}
</div>
<p class="citation">Cite this document: ${escapeHtml(input.name)}, “${escapeHtml(input.heading)}”, The Presidency Archive.</p>
</article>
<aside class="sidebar">
  <h2>Related documents</h2>
  <ul>
${input.related.map((r) => `    <li><a href="${r.url}">${escapeHtml(r.label)}</a></li>`).join('\n')}
  </ul>
  <form class="newsletter" action="/newsletter/subscribe" method="post"><label>Get a document of the week in your inbox <input type="email" name="email" placeholder="you@example.com"></label> <button>Subscribe</button></form>
</aside>
</main>
<footer class="site-footer">
  <nav aria-label="Footer"><a href="/about/">About us</a> · <a href="/staff/">Staff</a> · <a href="/privacy/">Privacy</a> · <a href="/terms/">Terms</a> · <a href="/accessibility/">Accessibility</a> · <a href="/contact/">Contact</a></nav>
  <p>© 1999–2024 The Presidency Archive. Texts of public documents are in the public domain.</p>
</footer>
<script src="/assets/site.js"></script>
${ANALYTICS_SCRIPT}
</body>
</html>
`;
}

/** Crude HTML to text for the classifier labels: drops scripts, styles and tags, decodes common entities. */
export function htmlToPlainText(html: string): string {
  return html
    .replace(/<(script|style|head)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(br|p|div|tr|li|h[1-6]|table|blockquote)\b[^>]*>/gi, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&amp;/gi, '&')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#(\d+);/g, (_all, code: string) => {
      const n = Number(code);
      return n > 0 && n < 0x110000 ? String.fromCodePoint(n) : ' ';
    })
    .replace(/[ \t\r\f\v]+/g, ' ')
    .replace(/ *\n[\n ]*/g, '\n')
    .trim();
}
