"""The Python peer of the fast extractor, timed on the same pages: readability-lxml
(Debian's python3-readability), the article extractor Python pipelines reach for,
then the article's text as lxml gives it.

Usage: peer_readability_lxml.py PAGES.jsonl ROUNDS [TEXTS.jsonl]
  PAGES.jsonl: one JSON string (a page's HTML) per line.
  TEXTS.jsonl: where to write each page's text (one JSON string per line, null
  for a page the library failed on), for scoring it beside foxden's.
Prints one JSON object: the best of ROUNDS timed rounds after one warm-up round,
in seconds, with the pages' UTF-8 bytes, the library's version and the peak RSS.
"""

import json
import resource
import sys
import time

import lxml.html
from readability import Document


def main_text(html: str) -> str:
    """Readability's article, then its text: what a Python pipeline keeps of a page."""
    summary = Document(html).summary(html_partial=True)
    return lxml.html.fromstring(summary).text_content() if summary.strip() else ""


def main() -> None:
    path, rounds = sys.argv[1], int(sys.argv[2])
    texts_path = sys.argv[3] if len(sys.argv) > 3 else None
    with open(path, encoding="utf-8") as f:
        pages = [json.loads(line) for line in f if line.strip()]
    failed = 0
    best = float("inf")
    texts: list = []
    for round_index in range(rounds + 1):
        start = time.perf_counter()
        for html in pages:
            try:
                text = main_text(html)
            except Exception:  # a page readability-lxml cannot parse costs its time and counts as failed
                failed += 1
                text = None
            if round_index == 0:
                texts.append(text)
        seconds = time.perf_counter() - start
        if round_index > 0 or rounds == 0:  # with no timed round, the warm-up's time
            best = min(best, seconds)
    if texts_path is not None:
        with open(texts_path, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(t) + "\n" for t in texts)
    try:
        from importlib.metadata import version

        library = version("readability-lxml")
    except Exception:
        library = "unknown"
    print(json.dumps({
        "seconds": best,
        "pages": len(pages),
        "bytes": sum(len(p.encode("utf-8")) for p in pages),
        "failed_per_round": failed // (rounds + 1),
        "library": f"readability-lxml {library}",
        # Linux gives ru_maxrss in KiB.
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }))


if __name__ == "__main__":
    main()
