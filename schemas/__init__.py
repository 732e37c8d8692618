"""OCPI JSON Schemas (draft 2020-12), one folder per OCPI version.

Installed as the ``ocpi_schemas`` package so the files ship inside the wheel; the
files themselves are plain JSON and need no Python to use.
"""
