"""``python -m mcp_core serve FILE [--http HOST:PORT | --stdio] [--config FILE]``."""

import sys

from .serve import main

sys.exit(main())
