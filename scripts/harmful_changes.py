"""The harmful changes that once passed the whole suite, each made again to see the
tests catch it: `python scripts/harmful_changes.py [N ...]` applies one change at a time
to the working tree, runs the tests that should notice, puts the file back and prints
which tests failed. A change that no test catches is printed as CAUGHT BY NOTHING and
makes the exit status 1. A change whose line is gone from the code stops the run: keep
this list in step with the code it attacks.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv/bin/python")
# (what, file, the text it replaces, the harmful text, the tests that must notice)
CHANGES = [
 ("the worker marks an item delivered when the platform answers 500", "sync/delivery.py",
  "    except (Unreachable, Transient) as exc:  # logged by `settlements`, once for a group\n",
  "    except (Unreachable, Transient) as exc:  # logged by `settlements`, once for a group\n"
  "        if \"500\" in str(exc):\n"
  "            return Settlement.delivered(item.submission_id, \"FAKE-1\", \"FAKE\")\n",
  ["tests/sync/test_settling.py", "tests/e2e/test_sync.py", "tests/e2e/test_sync_batch.py"]),
 ("`fsync_dir` a no-op", "wire/durable.py",
  "    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)\n    try:\n        os.fsync(fd)\n",
  "    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)\n    try:\n        pass\n",
  ["tests/core/test_durable_syscalls.py", "tests/receiver/test_durable_syscalls.py",
   "tests/e2e/test_durable_syscalls.py"]),
 ("no directory fsync after the attachment renames", "kiosk/store/files.py",
  "        fsync_dir(sub_dir)\n", "        pass\n",
  ["tests/core/test_durable_syscalls.py"]),
 ("the session wipe keeps photos", "kiosk/visit.py",
  "        self.photos: list[Attachment] = []\n",
  "        self.photos: list[Attachment] = getattr(self, \"photos\", [])\n",
  ["tests/ui/test_ui_idle.py", "tests/e2e/test_privacy.py"]),
 ("the idle wipe leaves the clipboard", "ui/session.py",
  "        if clipboard is not None:\n            clipboard.clear()\n",
  "        if clipboard is not None and had_receipt:\n            clipboard.clear()\n",
  ["tests/ui/test_ui_idle.py", "tests/e2e/test_privacy.py"]),
 ("the lock-out file written 0644", "kiosk/technician.py",
  "    _write_private(Path(data_dir) / LOCK_FILE, json.dumps({",
  "    write_file(Path(data_dir) / LOCK_FILE, mode=0o644, text=json.dumps({",
  ["tests/core/test_technician.py"]),
 ("`ui/audit.contrast` always returns 21", "ui/audit.py",
  "    la, lb = _luminance(a), _luminance(b)\n    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)\n",
  "    return 21.0\n",
  ["tests/ui/test_ui_audit.py", "tests/ui/test_ui_tour.py", "tests/ui/test_technician_screens.py"]),
]


def attack(what: str, path: str, old: str, new: str, tests: list[str]) -> list[str]:
    """Makes one change, runs `tests`, restores the file; the failing test ids."""
    target = ROOT / path
    original = target.read_text(encoding="utf-8")
    if original.count(old) != 1:
        sys.exit(f"{what}: the line it changes is not in {path} once; update this script")
    target.write_text(original.replace(old, new), encoding="utf-8")
    try:
        run = subprocess.run([PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rf", *tests],
                             cwd=ROOT, capture_output=True, text=True)
    finally:
        target.write_text(original, encoding="utf-8")
    lines = run.stdout.strip().splitlines()
    print(f"## {what}\n  {lines[-1] if lines else run.stderr[-300:]}")
    return sorted({line.split(" ")[1] for line in lines if line.startswith("FAILED ")})


def main(argv: list[str]) -> int:
    chosen = [int(n) for n in argv] or range(len(CHANGES))
    uncaught = 0
    for n in chosen:
        failed = attack(*CHANGES[n])
        for test in failed:
            print(f"  caught by {test}")
        if not failed:
            print("  CAUGHT BY NOTHING")
            uncaught += 1
        sys.stdout.flush()
    return 1 if uncaught else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
