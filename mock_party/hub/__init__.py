"""The mock as an OCPI Hub (2.2.1, 2.3.0): parties it plays itself, routing by the
OCPI-to/from headers to them or to registered platforms, broadcast pushes, GET All over all
parties, and the ClientInfo Sender."""

from mock_party.hub.app import create_hub_app

__all__ = ["create_hub_app"]
