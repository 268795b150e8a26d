"""``python -m lsr_dsl.cli`` runs the ``lsr`` command."""
import sys

from lsr_dsl.cli.main import main

sys.exit(main())
