import sys

from liqlib.data.record.cli import main

sys.exit(main())
