"""With this folder on PYTHONPATH, the top-level modules named in KOSENT_HIDE_MODULES (comma
separated) cannot be imported, in this process and in every process it starts: a test sees
what a user without those extras installed sees."""

import os
import sys


class _Hidden:
    def __init__(self, names: set[str]) -> None:
        self.names = names

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


_names = {name for name in os.environ.get("KOSENT_HIDE_MODULES", "").split(",") if name}
if _names:
    sys.meta_path.insert(0, _Hidden(_names))
