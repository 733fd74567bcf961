// The fastText process a predictor starts is in a process group of its own: a terminal's Ctrl-C,
// sent to the whole foreground group, must reach `foxden run` (which stops after the current
// batches) and not kill fastText under the tasks still finishing theirs.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { FastTextPredictor, lid176Path, nativeFastTextUsable } from '../src/index.js';

/** pid, parent pid and process group of each process, from /proc/<pid>/stat. */
function processes(): { pid: number; ppid: number; pgrp: number; cmdline: string }[] {
  const out: { pid: number; ppid: number; pgrp: number; cmdline: string }[] = [];
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name in parentheses may hold spaces: the fields after it are split from its end.
      const [, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push({ pid: Number(name), ppid: Number(ppid), pgrp: Number(pgrp), cmdline: readFileSync(`/proc/${name}/cmdline`, 'utf8') });
    } catch {
      // The process ended while the list was read.
    }
  }
  return out;
}

const linuxNative = process.platform === 'linux' && nativeFastTextUsable();

test('fastText runs in a process group of its own, so Ctrl-C reaches foxden and not fastText', { skip: linuxNative ? false : 'needs Linux and the native fastText binary' }, async () => {
  const predictor = await FastTextPredictor.create({ model: lid176Path() });
  try {
    const all = processes();
    const ours = all.find((p) => p.pid === process.pid)!;
    const children = all.filter((p) => p.ppid === process.pid && p.cmdline.includes('predict-prob'));
    assert.equal(children.length, 1, 'one fastText process');
    assert.notEqual(children[0]!.pgrp, ours.pgrp);
    assert.equal(children[0]!.pgrp, children[0]!.pid);
    // And it still answers.
    assert.equal((await predictor.predict(['this is an english sentence about the weather']))[0]![0]!.label, 'en');
  } finally {
    await predictor.close();
  }
});
