import type { StepModule } from '@foxden/core';
import { mapStep } from '@foxden/shards';
import { PII_DEFAULTS, scrubPii, type PiiOptions } from './scrub.js';

/**
 * Replaces e-mail and IP addresses with placeholders. Drops nothing; counts
 * replacements in stats.counters as pii:email, pii:ipv4, pii:ipv6 and the
 * documents changed as pii:documents-changed.
 */
export const piiScrubStep: StepModule<PiiOptions> = mapStep<PiiOptions>({
  type: 'pii-scrub',
  description: 'Replace e-mail, IPv4 and IPv6 addresses with placeholders; count the replacements.',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      email: { type: 'boolean', default: PII_DEFAULTS.email, description: 'Replace e-mail addresses.' },
      ipv4: { type: 'boolean', default: PII_DEFAULTS.ipv4, description: 'Replace IPv4 addresses (not version numbers or dates).' },
      ipv6: { type: 'boolean', default: PII_DEFAULTS.ipv6, description: 'Replace IPv6 addresses.' },
      email_placeholder: { type: 'string', default: PII_DEFAULTS.email_placeholder, description: 'Text that replaces an e-mail address.' },
      ipv4_placeholder: { type: 'string', default: PII_DEFAULTS.ipv4_placeholder, description: 'Text that replaces an IPv4 address.' },
      ipv6_placeholder: { type: 'string', default: PII_DEFAULTS.ipv6_placeholder, description: 'Text that replaces an IPv6 address.' },
    },
  },
  prepare: (ctx) => ({
    transform(docs, sink) {
      for (const doc of docs) {
        const r = scrubPii(doc.text, ctx.params);
        if (r.emails) sink.count('pii:email', r.emails);
        if (r.ipv4) sink.count('pii:ipv4', r.ipv4);
        if (r.ipv6) sink.count('pii:ipv6', r.ipv6);
        if (r.text !== doc.text) {
          sink.count('pii:documents-changed');
          sink.keep({ ...doc, text: r.text });
        } else sink.keep(doc);
      }
    },
  }),
});
