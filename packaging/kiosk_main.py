"""Entry point of the bundled `kiosk` executable.

It is the `kiosk` console script. It also stands in for the Python interpreter
when the kiosk starts one of its own modules as a child process with
`sys.executable -m MODULE` (the demo platform and sync worker of `kiosk ui --demo`):
in the bundle, `sys.executable` is this program. `kiosk -m ui.icu_check` checks the
bundle's locale data (packaging/bundle-check.sh runs it).
"""

import runpy
import sys

# Only the kiosk's own modules may be run this way.
RUNNABLE = ("app", "receiver", "app.demo", "ui.icu_check")


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "-m":
        module = sys.argv[2]
        if module not in RUNNABLE:
            print(f"kiosk: -m {module}: not one of {', '.join(RUNNABLE)}", file=sys.stderr)
            return 2
        sys.argv = [sys.argv[0], *sys.argv[3:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        return 0
    from app.main import main as kiosk_main

    return kiosk_main()


if __name__ == "__main__":
    sys.exit(main())
