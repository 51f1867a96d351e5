#!/usr/bin/env python3
"""Compile the translation catalogues (locale/<lang>/LC_MESSAGES/*.po → .mo) with babel, not GNU gettext.

Run by `make venv`, `make run`, `make test` and `make check`; the `.mo` files are build output (git-ignored).
Fuzzy and untranslated entries are left out, so they show in English rather than as a guess. A catalogue
that babel cannot read fails the run, naming the file and line.

    python scripts/compile_messages.py            # every catalogue under locale/, when its .po is newer
    python scripts/compile_messages.py --force    # all of them again
    python scripts/compile_messages.py locale/fr/LC_MESSAGES/django.po   # that one (make's rule)
"""

import argparse
import sys
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "locale"


def compile_catalogue(po_path: Path, *, force: bool = False) -> Path | None:
    """Write the .mo next to `po_path`; None when it was already up to date."""
    mo_path = po_path.with_suffix(".mo")
    if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        return None
    locale = po_path.parent.parent.name
    with po_path.open("rb") as source:
        catalog = read_po(source, locale=locale, abort_invalid=True)
    # A file of its own, then renamed over the .mo: two runs at once (make test beside make lint) never read or
    # replace each other's half-written file.
    with tempfile.NamedTemporaryFile(dir=mo_path.parent, prefix=".django-", suffix=".mo", delete=False) as target:
        write_mo(target, catalog, use_fuzzy=False)
    Path(target.name).chmod(0o644)  # readable by the server's user, like any build output (mkstemp made it 0600)
    Path(target.name).replace(mo_path)
    return mo_path


def compile_all(locale_dir: Path = LOCALE_DIR, *, force: bool = False) -> list[Path]:
    """Compile every catalogue under `locale_dir`; the .mo files written."""
    return [
        written
        for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po"))
        if (written := compile_catalogue(po_path, force=force)) is not None
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="compile even the catalogues that look up to date")
    parser.add_argument("--locale-dir", type=Path, default=LOCALE_DIR)
    parser.add_argument("catalogues", nargs="*", type=Path, help=".po files (default: every one under locale/)")
    arguments = parser.parse_args()
    try:
        if arguments.catalogues:
            written = [
                path
                for po_path in arguments.catalogues
                if (path := compile_catalogue(po_path.resolve(), force=arguments.force)) is not None
            ]
        else:
            written = compile_all(arguments.locale_dir, force=arguments.force)
    except PoFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for path in written:
        print(f"compiled {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
