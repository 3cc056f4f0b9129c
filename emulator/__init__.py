"""Local emulator of the EMR Serverless Spark (2023-08-08) Ray-cluster API.

Serves the seven operations with ACS3-HMAC-SHA256 checking, SQLite persistence, a lazy state machine,
fault injection and a request journal; see emulator/README.md for the choices where the service is silent.
It shares no code with the provider on purpose: the official SDK judges both.
"""

from emulator.app import create_app
from emulator.settings import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Settings

__all__ = ["DEMO_ACCESS_KEY_ID", "DEMO_ACCESS_KEY_SECRET", "Settings", "create_app"]
