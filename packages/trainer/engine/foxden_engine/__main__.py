"""Entry point: `python3 -m foxden_engine {train,export,logits} ...`.

torch is imported only after the check below, so a Python without it gets one
actionable line (exit 4) instead of an ImportError traceback.
"""

from __future__ import annotations

import sys
from typing import List

USAGE = "usage: python3 -m foxden_engine {train,export,logits} [options]  (--help after a command for its options)"
EXIT_NO_TORCH = 4


def _torch_importable() -> bool:
    try:
        import torch  # noqa: F401
    except Exception:
        return False
    return True


def main(argv: List[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command not in ("train", "export", "logits"):
        print(f"foxden engine: unknown command {command!r}\n{USAGE}", file=sys.stderr)
        return 2
    if not _torch_importable():
        print(
            f"foxden engine: PyTorch is not importable by {sys.executable}; install it "
            "(Debian: apt-get install python3-torch; pip: pip install torch)",
            file=sys.stderr,
        )
        return EXIT_NO_TORCH
    if command == "train":
        from .train import main as train_main

        return train_main(rest)
    from .export import export_main, logits_main

    return export_main(rest) if command == "export" else logits_main(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
