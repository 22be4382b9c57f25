"""``python -m pluralign``: the command line (see ``pluralign.cli``)."""

from pluralign.cli import main

raise SystemExit(main())
