#!/usr/bin/env python
"""Write the site's icon files, apps/web/static/web/favicon.svg and favicon.ico, from the drawing in
apps/web/favicon.py. Run it after changing that drawing and commit both files:

    .venv/bin/python scripts/make_favicon.py
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from apps.web import favicon  # noqa: E402

STATIC = ROOT / "apps" / "web" / "static" / "web"

if __name__ == "__main__":
    (STATIC / "favicon.svg").write_text(favicon.svg_text(), encoding="utf-8")
    (STATIC / "favicon.ico").write_bytes(favicon.ico_bytes())
    print(f"wrote {STATIC / 'favicon.svg'} and {STATIC / 'favicon.ico'}")
