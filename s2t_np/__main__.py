"""``python -m s2t_np``: the s2t-np command line (s2t_np.cli); with no arguments it transcribes the
example clips shipped in s2t_np/examples with the demo model shipped in s2t_np/demo."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
