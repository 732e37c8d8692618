"""``python -m conformance``: the ``ocpi-conformance`` command (a fleet starts its runs so)."""

from conformance.cli import main

main()
