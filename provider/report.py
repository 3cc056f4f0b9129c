"""``python -m provider.report``: the documented command, kept here while the code lives in
``provider.reporting.report``."""

from provider.reporting.report import main

if __name__ == "__main__":
    raise SystemExit(main())
