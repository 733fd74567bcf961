"""foxden training engine: a LLaMA-style decoder trained from a `foxden.feed/1` stream.

Modules import torch at module level; `__main__` imports them lazily so a missing
torch yields one clear message instead of a traceback.
"""

__version__ = "0.1.0"
