"""The ASGI application as hypercorn workers import it (`paybridge.entrypoints.http.asgi:app`).

Configuration comes from the environment; `paybridge serve` resolves DATABASE_URL (starting the embedded
database if needed) before workers start, so every worker talks to the same database.
"""

from __future__ import annotations

from paybridge.bootstrap import build_container, configure_logging
from paybridge.config import Settings
from paybridge.entrypoints.http.app import create_app

settings = Settings.from_env()
configure_logging(settings)
app = create_app(build_container("postgres", settings), freeze_heap=True)
