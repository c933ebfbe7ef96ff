"""`python -m control_center.cli`: the same as the `control-center` command."""

import sys

from control_center.cli import main

sys.exit(main())
