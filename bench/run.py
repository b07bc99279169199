"""``make bench``: run the benchmark (``--quick`` for a short run that only checks it works)."""

import sys
from pathlib import Path

# Run as a script, so the checkout root (which holds the ``bench`` package) goes on the path first.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.suite import main

if __name__ == "__main__":
    sys.exit(main())
