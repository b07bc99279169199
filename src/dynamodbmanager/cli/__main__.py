"""``python -m dynamodbmanager.cli``: the command, for tests and for environments without the console script."""

import sys

from dynamodbmanager.cli import main

sys.exit(main())
