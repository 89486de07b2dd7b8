import sys

from kiosk_command.main import main

sys.exit(main())
