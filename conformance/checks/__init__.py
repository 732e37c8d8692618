"""The checks, one module per OCPI module; run by ``ocpi-conformance run``."""
