import sys

from bgdeploy.server.main import main

sys.exit(main())
