"""The state of one run: the target's versions and endpoints, the handshake and its tokens.

Built lazily by the plugin's fixtures and shared by the checks; it holds no check logic.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from conformance.config import TargetConfig
from conformance.counterpart import Counterpart, start_counterpart
from conformance.expect import data_of, unfollowed_redirect
from ocpi_core.client import (
    OcpiClient,
    OcpiClientError,
    OcpiResponse,
    ResponseTooLarge,
    TargetUnreachable,
)
from ocpi_core.exchange import ExchangeRecorder
from ocpi_core.versions import VERSIONS, credentials_body, party_records, rules

__all__ = ["Discovery", "Registration", "Run", "VersionSwitch"]


def _has_data(response: OcpiResponse) -> bool:
    return isinstance(response.body, dict) and "data" in response.body


@dataclass(frozen=True)
class Discovery:
    """What the target's versions endpoints said; ``error`` when they could not be read."""

    versions: OcpiResponse | None = None
    details: OcpiResponse | None = None
    details_url: str | None = None
    endpoints: tuple[dict[str, Any], ...] = ()
    error: str | None = None
    target_role: str | None = None  # for 2.1.1, whose endpoints have no role
    unreachable: str | None = None  # why the versions GET got no HTTP answer at all

    def endpoint(self, identifier: str, role: str | None = None) -> str | None:
        for endpoint in self.endpoints:
            if endpoint.get("identifier") == identifier and (
                role is None or self.interface(endpoint) == role
            ):
                return endpoint.get("url")
        return None

    def interface(self, endpoint: dict[str, Any]) -> str | None:
        """SENDER or RECEIVER: the endpoint's role, or in 2.1.1 the one its party's role implies
        (its CPO interface of a CPO-owned module is the Sender)."""
        if "role" in endpoint or self.target_role is None:
            return endpoint.get("role")
        owner = _OWNER.get(str(endpoint.get("identifier")))
        if owner is None:
            return None
        return "SENDER" if owner == self.target_role else "RECEIVER"


# The party whose interface of a module is the Sender (the data owner; for commands the eMSP).
_OWNER = {
    "locations": "CPO",
    "sessions": "CPO",
    "cdrs": "CPO",
    "tariffs": "CPO",
    "tokens": "EMSP",
    "commands": "EMSP",
}


@dataclass
class Registration:
    """The outcome of our credentials POST to the target."""

    token_a: str = field(repr=False)
    token_b: str = field(repr=False)
    credentials_url: str | None
    response: OcpiResponse | None = None
    token_c: str | None = field(default=None, repr=False)
    error: str | None = None
    partner_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.token_c is not None


def new_token() -> str:
    return "oct-" + secrets.token_urlsafe(24)


def counterpart_credentials(
    counterpart: Counterpart, token: str, version: str = "2.2.1"
) -> dict[str, Any]:
    """Our Credentials object, in the shape of ``version``."""
    config = counterpart.config
    return credentials_body(
        version,
        token=token,
        url=counterpart.versions_url,
        roles=tuple(config.roles),
        business_name=config.business_name,
        party_id=config.party_id,
        country_code=config.country_code,
        more_parties=config.more_parties,
    )


@dataclass
class Run:
    """One run against one target. ``token`` is the token that currently works."""

    config: TargetConfig
    recorder: ExchangeRecorder
    http: OcpiClient
    token: str = field(repr=False)
    _counterpart: Counterpart | None = None
    _discovery: Discovery | None = None
    _registration: Registration | None = None
    # token C before the last credentials PUT
    replaced_token: str | None = field(default=None, repr=False)

    @classmethod
    def start(
        cls,
        config: TargetConfig,
        recorder: ExchangeRecorder | None = None,
        run_deadline: float | None = None,
    ) -> Run:
        """``run_deadline``: the ``time.monotonic()`` moment the run's budget ends."""
        import httpx

        recorder = ExchangeRecorder() if recorder is None else recorder
        recorder.masker.add(config.token)
        http = OcpiClient(
            token=config.token,
            version=config.version,
            recorder=recorder,
            timeout=httpx.Timeout(config.timeout, connect=min(5.0, config.timeout)),
            deadline=config.timeout,
            run_deadline=run_deadline,
            max_body=config.max_body,
            verify=config.ssl_verify(),
        )
        return cls(config=config, recorder=recorder, http=http, token=config.token)

    def close(self) -> None:
        self.http.close()
        if self._counterpart is not None:
            self._counterpart.stop()

    def client(self, token: str | None = None) -> OcpiClient:
        """A client sending ``token`` (the working token by default)."""
        return self.http.with_token(self.token if token is None else token)

    @property
    def counterpart(self) -> Counterpart:
        if self._counterpart is None:
            self._counterpart = start_counterpart(self.config, self.recorder)
        return self._counterpart

    @property
    def discovery(self) -> Discovery:
        if self._discovery is None:
            self._discovery = self._discover()
        return self._discovery

    def _discover(self) -> Discovery:
        client = self.client(self.config.token)
        try:
            versions = client.get(self.config.versions_url)
        except ResponseTooLarge as exc:  # an answer came, too large to read
            return Discovery(error=str(exc))
        except TargetUnreachable as exc:
            unreachable = None if exc.connected else exc.reason
            return Discovery(error=str(exc), unreachable=unreachable)
        except OcpiClientError as exc:
            return Discovery(error=str(exc))
        if not isinstance(data_of(versions), list):
            redirect = unfollowed_redirect(versions)
            if redirect is not None:
                return Discovery(versions=versions, error=f"versions list unusable: {redirect}")
            return Discovery(
                versions=versions,
                error=f"versions list unusable (HTTP {versions.http_status}, "
                f"{'data is not a list' if _has_data(versions) else versions.envelope_problem})",
            )
        details_url = next(
            (
                v.get("url")
                for v in data_of(versions)
                if isinstance(v, dict) and v.get("version") == self.config.version
            ),
            None,
        )
        if not details_url:
            return Discovery(
                versions=versions, error=f"the target does not offer version {self.config.version}"
            )
        try:
            details = client.get(details_url)
        except OcpiClientError as exc:
            return Discovery(versions=versions, details_url=details_url, error=str(exc))
        data = data_of(details)
        endpoints = (
            tuple(e for e in (data or {}).get("endpoints") or [] if isinstance(e, dict))
            if isinstance(data, dict)
            else ()
        )
        error = None if endpoints else "version details list no endpoints"
        implied = None if rules(self.config.version).endpoint_role else self.config.role
        return Discovery(versions, details, details_url, endpoints, error, implied)

    @property
    def registration_attempted(self) -> bool:
        """Whether the handshake has run (token A is spent once it succeeded)."""
        return self._registration is not None

    @property
    def registration(self) -> Registration:
        if self._registration is None:
            self._registration = self._register()
        return self._registration

    def _register(self) -> Registration:
        """POST our credentials with token A, as the Sender of the handshake (spec §7.1.1)."""
        discovery = self.discovery
        registration = Registration(
            token_a=self.config.token,
            token_b=new_token(),
            credentials_url=discovery.endpoint("credentials"),
        )
        self.recorder.masker.add(registration.token_b)
        if registration.credentials_url is None:
            registration.error = discovery.error or "the target lists no credentials endpoint"
            return registration
        counterpart = self.counterpart
        registration.partner_id = counterpart.expect_partner(
            token_b=registration.token_b, versions_url=self.config.versions_url
        )
        try:
            response = self.client(registration.token_a).post(
                registration.credentials_url,
                counterpart_credentials(counterpart, registration.token_b, self.config.version),
            )
        except OcpiClientError as exc:
            registration.error = str(exc)
            return registration
        registration.response = response
        data = data_of(response)
        token_c = data.get("token") if isinstance(data, dict) else None
        redirect = unfollowed_redirect(response)
        if redirect is not None:
            registration.error = redirect
            return registration
        if response.http_status != 200 or not isinstance(token_c, str) or not token_c:
            code = response.body.get("status_code") if isinstance(response.body, dict) else None
            registration.error = (
                f"registration refused or unusable: HTTP {response.http_status}, "
                f"{response.envelope_problem or f'status_code {code}'}"
            )
            return registration
        registration.token_c = token_c
        self.recorder.masker.add(token_c)
        self.token = token_c
        counterpart.update_partner(
            registration.partner_id,
            token_out=token_c,
            roles=[
                {"role": self.config.role, **party}
                for party in party_records(self.config.version, data)
            ],
            endpoints=list(discovery.endpoints),
            version=self.config.version,
            registered=True,
        )
        return registration

    def update_credentials(self) -> tuple[OcpiResponse, str]:
        """PUT fresh credentials (a new token B) to the target, as spec §7.2.3 describes.

        Returns the response and the token C that was valid before. When the target answers
        with a new token, it becomes the working token.
        """
        reg = self.registration
        previous = self.token
        token_b = new_token()
        self.recorder.masker.add(token_b)
        counterpart = self.counterpart
        if reg.partner_id is not None:
            # the target re-reads our versions with the new token before it answers
            counterpart.offer_token(reg.partner_id, token_b)
        self.replaced_token = previous
        response = self.client().put(
            reg.credentials_url or "",
            counterpart_credentials(counterpart, token_b, self.config.version),
        )
        self._settle_token(response)
        data = data_of(response)
        new_c = data.get("token") if isinstance(data, dict) else None
        if response.http_status == 200 and isinstance(new_c, str) and new_c:
            self.recorder.masker.add(new_c)
            self.token = new_c
            reg.token_c = new_c
            if reg.partner_id is not None:
                counterpart.update_partner(
                    reg.partner_id, token_out=new_c, version=self.config.version
                )
        return response, previous

    def _settle_token(self, response: OcpiResponse) -> None:
        """After a credentials PUT: our counterpart lets the target in with the new token B
        only when it took our credentials (an OCPI success), else with the old one only.
        Without an answer (the PUT raised) both stay: we cannot know which one it holds."""
        partner_id = self.registration.partner_id
        if partner_id is None:
            return
        code = response.body.get("status_code") if isinstance(response.body, dict) else None
        accepted = response.http_status == 200 and isinstance(code, int) and 1000 <= code < 2000
        self.counterpart.settle_token(partner_id, accepted=accepted)

    def other_versions(self) -> list[tuple[str, str]]:
        """(version, details URL) of every version the target offers besides ours that the
        suite knows, newest first."""
        versions = self.discovery.versions
        data = data_of(versions)
        offered = {
            str(v.get("version")): str(v.get("url"))
            for v in data or []
            if isinstance(v, dict) and v.get("url")
        }
        return [
            (v, offered[v]) for v in reversed(VERSIONS) if v in offered and v != self.config.version
        ]

    def switch_version(self, version: str, details_url: str) -> VersionSwitch:
        """PUT our credentials to the target's credentials endpoint of ``version`` (spec
        §7.1.2): the connection moves to that version and the target answers a new token C."""
        reg = self.registration
        client = self.client()
        client.version = version  # a clone: the token form is the new version's
        details = client.get(details_url)
        data = data_of(details)
        endpoints = (data or {}).get("endpoints") if isinstance(data, dict) else None
        url = next(
            (
                e.get("url")
                for e in endpoints or []
                if isinstance(e, dict) and e.get("identifier") == "credentials"
            ),
            None,
        )
        if not isinstance(url, str):
            return VersionSwitch(version, details, None, f"{version} lists no credentials")
        token_b = new_token()
        self.recorder.masker.add(token_b)
        if reg.partner_id is not None:
            self.counterpart.offer_token(reg.partner_id, token_b)
        self.replaced_token = self.token
        response = client.put(url, counterpart_credentials(self.counterpart, token_b, version))
        self._settle_token(response)
        body = data_of(response)
        new_c = body.get("token") if isinstance(body, dict) else None
        if response.http_status == 200 and isinstance(new_c, str) and new_c:
            self.recorder.masker.add(new_c)
            self.token = reg.token_c = new_c
            if reg.partner_id is not None:
                self.counterpart.update_partner(reg.partner_id, token_out=new_c, version=version)
        return VersionSwitch(version, details, response, None)


@dataclass(frozen=True)
class VersionSwitch:
    """A credentials PUT that moved the connection to ``version``."""

    version: str
    details: OcpiResponse
    response: OcpiResponse | None
    error: str | None
