"""Entry point: ``python -m bench [--reuse] [--database-url URL] [--duration S]``."""
import sys

from bench.run import main

sys.exit(main())
