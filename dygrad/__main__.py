"""`python -m dygrad train ...` runs the `dygrad` command."""
import sys

from .cli import main

sys.exit(main())
