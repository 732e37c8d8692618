"""The OCPI core: what both programs (the suite and the mock party) share about the protocol.

The HTTP client and exchange recording (``client``, ``exchange``), the schema registry and
validation (``schemas``), the rules that differ between versions (``versions``), and the tariff
engine (``pricing``). This package imports neither ``conformance`` nor ``mock_party``.
"""
