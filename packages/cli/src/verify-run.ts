import { readFile, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { listStepDirs, readStepMarkers, sha256File } from '@foxden/core';

/** One file whose bytes are not those a record of the run names. */
export interface VerifyProblem {
  /** Run-relative path of the file. */
  file: string;
  /** The record that names it: a done marker, a stage manifest or curriculum.json (run-relative). */
  recordedBy: string;
  expected: string;
  actual: string;
}

export interface VerifyReport {
  /** Files hashed (each once, however many records name it). */
  files: number;
  bytes: number;
  /** Records compared: done-marker outputs and their sidecars, compacted sidecars, stage-manifest shards, curriculum.json stages. */
  checks: number;
  problems: VerifyProblem[];
}

/** sha256 and size of a file; null when it cannot be read. */
async function hashOf(file: string): Promise<{ sha256: string; bytes: number } | null> {
  try {
    const [sha256, { size }] = await Promise.all([sha256File(file), stat(file)]);
    return { sha256, bytes: size };
  } catch {
    return null;
  }
}

/**
 * Recomputes the sha256 of every shard and Parquet sidecar the run's done
 * markers record, of every step's compacted sidecars, and of every shard and
 * manifest the curriculum's manifests record, and compares it with the
 * record. Each file is hashed once.
 */
export async function verifyRun(runDir: string): Promise<VerifyReport> {
  const expectations: { file: string; recordedBy: string; sha256: string; bytes?: number }[] = [];
  for (const stepDir of await listStepDirs(runDir)) {
    for (const { path: recordedBy, stats } of await readStepMarkers(runDir, stepDir)) {
      for (const o of stats.outputs) {
        expectations.push({ file: o.path, recordedBy, sha256: o.sha256, bytes: o.bytes });
        // The shard's Parquet sidecar (what the SQL views read) is recorded beside it.
        if (o.sidecar) expectations.push({ file: o.sidecar.path, recordedBy, sha256: o.sidecar.sha256, bytes: o.sidecar.bytes });
      }
    }
    // A completed step's compacted sidecars, recorded in its compacted.json.
    const compactedRecord = join(stepDir, 'compacted.json');
    const compacted = await readFile(join(runDir, compactedRecord), 'utf8').catch(() => null);
    if (compacted !== null) {
      for (const f of (JSON.parse(compacted) as { files?: { path: string; sha256: string; bytes: number }[] }).files ?? []) {
        expectations.push({ file: f.path, recordedBy: compactedRecord, sha256: f.sha256, bytes: f.bytes });
      }
    }
  }
  const curriculumText = await readFile(join(runDir, 'curriculum.json'), 'utf8').catch(() => null);
  if (curriculumText !== null) {
    const curriculum = JSON.parse(curriculumText) as { stages: { manifest: string; sha256: string }[] };
    for (const stage of curriculum.stages) {
      expectations.push({ file: stage.manifest, recordedBy: 'curriculum.json', sha256: stage.sha256 });
      const manifestFile = join(runDir, stage.manifest);
      const manifest = JSON.parse(await readFile(manifestFile, 'utf8').catch(() => '{"shards":[]}')) as { shards: { path: string; sha256: string; bytes: number }[] };
      for (const s of manifest.shards) {
        expectations.push({ file: relative(runDir, join(dirname(manifestFile), s.path)), recordedBy: stage.manifest, sha256: s.sha256, bytes: s.bytes });
      }
    }
  }
  const hashes = new Map<string, { sha256: string; bytes: number } | null>();
  const problems: VerifyProblem[] = [];
  let bytes = 0;
  for (const e of expectations) {
    let actual = hashes.get(e.file);
    if (actual === undefined) {
      actual = await hashOf(join(runDir, e.file));
      hashes.set(e.file, actual);
      bytes += actual?.bytes ?? 0;
    }
    if (actual === null) problems.push({ file: e.file, recordedBy: e.recordedBy, expected: `sha256 ${e.sha256}`, actual: 'missing or unreadable' });
    else if (actual.sha256 !== e.sha256) {
      problems.push({ file: e.file, recordedBy: e.recordedBy, expected: `sha256 ${e.sha256}${e.bytes === undefined ? '' : `, ${e.bytes} bytes`}`, actual: `sha256 ${actual.sha256}, ${actual.bytes} bytes` });
    }
  }
  return { files: hashes.size, bytes, checks: expectations.length, problems };
}
