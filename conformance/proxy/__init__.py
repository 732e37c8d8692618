"""``ocpi-conformance proxy``: a grading reverse proxy between two real OCPI platforms.

Platform A talks to the proxy's front listener as if it were platform B (the *upstream*); B's
calls back to A go through the back listener. Every exchange is forwarded unchanged except for
the URLs that keep the traffic on the proxy (:mod:`.rewrite`), and judged by the same
per-exchange rules a run uses (:mod:`.judge`, :mod:`conformance.rules`).
"""
