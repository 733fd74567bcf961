import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { describe, it } from 'node:test';
import { scrubPii } from '../src/pii/scrub.js';
import { steps } from '../src/step.js';
import { spamAssassin } from './corpus.js';
import { doc, runStep } from './harness.js';

describe('PII scrubbing', () => {
  it('replaces the addresses in real mail headers, counted independently', () => {
    const mails = spamAssassin(['easy-ham-1', 'spam-1'], 40);
    let emails = 0;
    let v4 = 0;
    for (const m of mails) {
      // Independent count: "<addr>" and "from addr" forms that mail headers use, and bracketed IPs from Received lines.
      const wantEmails = (m.raw.match(/<[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}>/g) ?? []).length;
      const wantIPs = (m.raw.match(/\[(\d{1,3}(?:\.\d{1,3}){3})\]/g) ?? []).filter((x) => isIP(x.slice(1, -1)) === 4).length;
      const r = scrubPii(m.raw);
      assert.ok(r.emails >= wantEmails, `at least the bracketed addresses: ${r.emails} < ${wantEmails}`);
      assert.ok(r.ipv4 >= wantIPs);
      assert.ok(!/<[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}>/.test(r.text), 'no bracketed address left');
      assert.ok(!/\[(\d{1,3}(?:\.\d{1,3}){3})\]/.test(r.text) || /\[(\d{1,3}(?:\.\d{1,3}){3})\]/.exec(r.text)!.slice(1).every((x) => isIP(x) !== 4));
      emails += r.emails;
      v4 += r.ipv4;
    }
    assert.ok(emails > 100 && v4 > 50, `${emails} e-mails, ${v4} IPv4`);
  });

  it('leaves version numbers, dates, times and code alone', () => {
    const keep = [
      'Linux 2.6.32 and fetchmail-5.9.0 on Python 3.11.4',
      'Released v1.2.3.4 on 2023.10.05 (build 10.0.19041.1), see version 1.0.0.1',
      'Dates: 12.10.2023, 2002-08-22, 22.08.02 at 13:17:22 and 08:17:21',
      'C++ std::vector<int>, Rust a::b::c, MAC 00:1a:2b:3c:4d:5e, ratio 1:2:3',
      'Sections 1.2.3.4.5 and the image logo@2x.png',
      'An IP-like 01.02.03.04 with leading zeros and 256.1.1.1 out of range',
    ];
    for (const t of keep) assert.equal(scrubPii(t).text, t, t);
  });

  it('replaces IPv4, IPv6 and e-mail forms with placeholders', () => {
    const r = scrubPii('Mail jane.doe+x@mail.example.co.uk or ops@example.org; hosts 192.168.0.1, 8.8.8.8; v6 2001:db8::8a2e:370:7334 and fe80::1ff:fe23:4567:890a and ::ffff:192.0.2.128.');
    assert.equal(r.text, 'Mail <EMAIL> or <EMAIL>; hosts <IPV4>, <IPV4>; v6 <IPV6> and <IPV6> and <IPV6>.');
    assert.deepEqual([r.emails, r.ipv4, r.ipv6], [2, 2, 3]);
  });

  it('passes a 10 MB line through unchanged and records counts as a step', async () => {
    // Its speed is measured by the quality benchmark (quality.pii-scrub.10mb-line), not here.
    const big = 'a'.repeat(10 * 1024 * 1024);
    assert.equal(scrubPii(big).text, big);
    const step = steps.find((s) => s.type === 'pii-scrub')!;
    const r = await runStep(step, [doc('a', 'write to a@example.com from 10.0.0.1'), doc('b', ''), doc('c', 'nothing here 1.2.3')], {});
    assert.equal(r.kept.length, 3);
    assert.equal(r.stats[0]!.counters['pii:email'], 1);
    assert.equal(r.stats[0]!.counters['pii:ipv4'], 1);
    assert.equal(r.stats[0]!.counters['pii:documents-changed'], 1);
    assert.equal(r.kept.find((d) => d['id'] === 'a')!['text'], 'write to <EMAIL> from <IPV4>');
  });
});
