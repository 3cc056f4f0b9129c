"""``python -m provider.export``: the documented command, kept here while the code lives in
``provider.stack.export``."""

from provider.stack.export import main

if __name__ == "__main__":
    raise SystemExit(main())
