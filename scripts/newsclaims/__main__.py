"""The ``newsclaims`` command's entry point (also ``python -m newsclaims``).

Arrow's default allocator keeps the memory of every row group written for reuse, so a long
conversion grows with its input; the system allocator gives memory back and keeps it flat.
The choice must be made before pyarrow is first imported, hence this small entry point.
"""

from __future__ import annotations

import os
import sys


def main() -> int:
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    from .cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
