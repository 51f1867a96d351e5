"""Static files storage for production: hashed names for caching, compressed copies for whitenoise."""

from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False

    def hashed_name(self, name: str, content: Any = None, filename: str | None = None) -> str:
        try:
            return str(super().hashed_name(name, content, filename))
        except ValueError:
            # A third-party stylesheet (viewflow's fonts) points at a file its package does not ship:
            # keep the reference as it is rather than fail the whole deploy.
            return name
