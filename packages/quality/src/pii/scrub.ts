import { isIPv4, isIPv6 } from 'node:net';

/** What to replace and with what. */
export interface PiiOptions {
  /** Replace e-mail addresses. Default true. */
  email: boolean;
  /** Replace IPv4 addresses. Default true. */
  ipv4: boolean;
  /** Replace IPv6 addresses. Default true. */
  ipv6: boolean;
  /** Default "<EMAIL>". */
  email_placeholder: string;
  /** Default "<IPV4>". */
  ipv4_placeholder: string;
  /** Default "<IPV6>". */
  ipv6_placeholder: string;
}

export const PII_DEFAULTS: Readonly<PiiOptions> = Object.freeze({
  email: true,
  ipv4: true,
  ipv6: true,
  email_placeholder: '<EMAIL>',
  ipv4_placeholder: '<IPV4>',
  ipv6_placeholder: '<IPV6>',
});

export interface PiiResult {
  text: string;
  emails: number;
  ipv4: number;
  ipv6: number;
}

const LOCAL_CHAR = /[A-Za-z0-9._%+\-]/;
const DOMAIN_CHAR = /[A-Za-z0-9.\-]/;
/** "image@2x.png" is a file name, not an address. */
const FILE_TLDS = new Set(['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'bmp', 'ico', 'js', 'css', 'tif', 'tiff']);

/**
 * Replaces e-mail and IP addresses. Written as scans around "@", "." and ":"
 * rather than one big regular expression, so that a 10 MB line without any
 * address costs linear time (an e-mail regex backtracks quadratically on long
 * runs of word characters).
 *
 * IPv4: four dot-separated decimal octets 0-255 without leading zeros, not
 * part of a longer dotted number (so "1.2.3.4.5" and "2.6.32" are left alone)
 * and not preceded by "v" or "version" (so "v1.2.3.4" stays). Dates never
 * match: a year is more than 255 and a date has three parts.
 * IPv6: a colon-separated hex run that node's `net.isIPv6` accepts, with at
 * least two colons and four hex digits, not inside a word (so "std::vector",
 * "a::b" and clock times "12:30:45" stay).
 */
export function scrubPii(text: string, o: PiiOptions = PII_DEFAULTS): PiiResult {
  const result: PiiResult = { text, emails: 0, ipv4: 0, ipv6: 0 };
  if (o.email && text.includes('@')) {
    const r = replaceEmails(result.text, o.email_placeholder);
    result.text = r.text;
    result.emails = r.count;
  }
  if (o.ipv6 && result.text.includes(':')) {
    const r = replaceIPv6(result.text, o.ipv6_placeholder);
    result.text = r.text;
    result.ipv6 = r.count;
  }
  if (o.ipv4 && result.text.includes('.')) {
    const r = replaceIPv4(result.text, o.ipv4_placeholder);
    result.text = r.text;
    result.ipv4 = r.count;
  }
  return result;
}

function replaceEmails(text: string, placeholder: string): { text: string; count: number } {
  const parts: string[] = [];
  let last = 0;
  let count = 0;
  let at = text.indexOf('@');
  while (at !== -1) {
    let start = at;
    // Local parts are at most 64 characters (RFC 5321); bounding the walk keeps the scan linear.
    while (start > last && at - start < 64 && LOCAL_CHAR.test(text[start - 1]!)) start--;
    while (start < at && text[start] === '.') start++;
    let end = at + 1;
    while (end < text.length && end - at <= 255 && DOMAIN_CHAR.test(text[end]!)) end++;
    while (end > at + 1 && (text[end - 1] === '.' || text[end - 1] === '-')) end--;
    const domain = text.slice(at + 1, end);
    const labels = domain.split('.');
    const tld = labels[labels.length - 1] ?? '';
    const ok = start < at && labels.length >= 2 && labels.every((l) => l.length > 0 && !l.startsWith('-') && !l.endsWith('-'))
      && /^[A-Za-z]{2,24}$/.test(tld) && !FILE_TLDS.has(tld.toLowerCase());
    if (ok) {
      parts.push(text.slice(last, start), placeholder);
      last = end;
      count++;
      at = text.indexOf('@', end);
    } else {
      at = text.indexOf('@', at + 1);
    }
  }
  if (count === 0) return { text, count };
  parts.push(text.slice(last));
  return { text: parts.join(''), count };
}

const IPV4_CANDIDATE = /(?<![0-9.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![0-9]|\.[0-9])/g;

function replaceIPv4(text: string, placeholder: string): { text: string; count: number } {
  let count = 0;
  const out = text.replace(IPV4_CANDIDATE, (match: string, ...rest: unknown[]) => {
    const offset = rest[4] as number;
    const octets = match.split('.');
    if (octets.some((x) => x.length > 1 && x.startsWith('0'))) return match;
    if (!isIPv4(match)) return match;
    const before = text.slice(Math.max(0, offset - 9), offset).toLowerCase();
    if (/(?:^|[^a-z])v$/.test(before) || /version\s*$/.test(before) || /[a-z]$/.test(before)) return match;
    count++;
    return placeholder;
  });
  return { text: out, count };
}

const IPV6_CANDIDATE = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?(?![\w:]|\.\d)/g;

function replaceIPv6(text: string, placeholder: string): { text: string; count: number } {
  let count = 0;
  const out = text.replace(IPV6_CANDIDATE, (match: string) => {
    if (!isIPv6(match)) return match;
    const hexDigits = match.replace(/[^0-9A-Fa-f]/g, '').length;
    const colons = match.split(':').length - 1;
    if (colons < 2 || hexDigits < 4) return match;
    count++;
    return placeholder;
  });
  return { text: out, count };
}
