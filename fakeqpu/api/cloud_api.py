"""IBM Cloud endpoints the client calls before the runtime API: IAM, Global Search, Global Catalog."""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, unquote

import jwt

from fakeqpu.api.http import Request, Response
from fakeqpu.service.runtime import RuntimeService

TOKEN_LIFETIME = 3600
_SIGNING_KEY = "fakeqpu-not-a-secret-key-for-hs256!"  # the client never checks the signature
_ISSUER = "https://iam.cloud.ibm.com/identity"
_APPS = itertools.count(1)  # tells the tokens of one fake from another's (the `jti` claim)
# A Qiskit Runtime instance's CRN, as the client validates it (qiskit_ibm_runtime.accounts).
WELL_FORMED_CRN = re.compile(r"^crn:v1:[^:]+:[^:]+:quantum-computing:[^:]*:[^:]*:[^:]+::?$")


@dataclass(frozen=True)
class AccountInstance:
    crn: str
    name: str


class CloudApi:
    """`pinned`: the account has only the fake's own instance; `account_instances`: it has these too.
    Either way the account is known, and an instance outside it is refused as on IBM. Otherwise (moto's
    any-account) it also has whichever well-formed instance the client asks for, on the same plan and
    fleet."""

    def __init__(
        self,
        service: RuntimeService,
        plan_id: str,
        pinned: bool = False,
        account_instances: Sequence[str] | None = None,
    ) -> None:
        self.service = service
        self.plan_id = plan_id
        self.pinned = pinned
        # Known: the account holds exactly these (the fake's own first); None: any instance asked for.
        self.account: list[AccountInstance] | None = None
        if pinned or account_instances is not None:
            own = AccountInstance(service.instance.crn, service.instance.name)
            self.account = [own]
            for wanted in account_instances or ():
                instance = self._named(own, wanted)
                if all(instance.crn != known.crn for known in self.account):
                    self.account.append(instance)
        self._known_tokens: set[str] = set()
        self._app = next(_APPS)
        self._minted = 0
        self._valid_from: int | None = None  # after `expire_tokens()`: the first serial still valid

    # -- the account's instances ------------------------------------------------------------------

    def serves(self, crn: str | None) -> bool:
        """Whether `Service-CRN: crn` names an instance of the account."""
        if not crn:
            return False
        if self.account is not None:
            return any(crn == instance.crn for instance in self.account)
        return crn == self.service.instance.crn or bool(WELL_FORMED_CRN.match(crn))

    def instances(self, wanted: str | None) -> list[AccountInstance]:
        """What Global Search lists: a known account's instances, or the fake's own and the one asked for."""
        if self.account is not None:
            return list(self.account)  # the client then refuses a name or CRN that is not among them
        own = AccountInstance(self.service.instance.crn, self.service.instance.name)
        if not wanted or wanted in (own.crn, own.name, "auto") or not wanted.strip():  # "auto": client picks
            return [own]
        return [own, self._named(own, wanted)]

    @staticmethod
    def _named(own: AccountInstance, wanted: str) -> AccountInstance:
        if WELL_FORMED_CRN.match(wanted):
            return AccountInstance(wanted, wanted.split(":")[7] or "instance")
        return AccountInstance(crn_for_name(own.crn, wanted), wanted)

    # -- IAM -------------------------------------------------------------------------------------

    def iam_token(self, request: Request) -> Response:
        form = parse_qs(request.body.decode(errors="replace"))
        apikey = (form.get("apikey") or [""])[0]
        grant = (form.get("grant_type") or [""])[0]
        if grant not in ("urn:ibm:params:oauth:grant-type:apikey", "refresh_token") or (
            grant.endswith("apikey") and not apikey
        ):
            return _iam_error("BXNIM0415E", "Provided API key could not be found.", 400)
        now = int(self.service.sync().timestamp())
        claims = {
            "iam_id": "IBMid-fakeqpu",
            "sub": "fakeqpu@example.com",
            "iss": _ISSUER,
            "iat": now,
            "exp": now + TOKEN_LIFETIME,
            "scope": "ibm openid",
            "jti": f"fakeqpu-{self._app}-{self._minted}",
        }
        self._minted += 1
        token = jwt.encode(claims, _SIGNING_KEY, algorithm="HS256")
        return Response.json(
            {
                "access_token": token,
                "refresh_token": "not_supported",
                "token_type": "Bearer",
                "expires_in": TOKEN_LIFETIME,
                "expiration": now + TOKEN_LIFETIME,
                "scope": "ibm openid",
                "ims_user_id": 1,
            }
        )

    def token_is_ours(self, authorization: str | None) -> bool:
        """A token this fake minted (expiry is not enforced: see docs/fidelity.md)."""
        if not authorization or not authorization.lower().startswith("bearer "):
            return False
        if authorization in self._known_tokens:
            return True
        try:
            # Time claims are not checked: a test may move the clock either side of when the token was minted.
            claims = jwt.decode(
                authorization[7:],
                _SIGNING_KEY,
                algorithms=["HS256"],
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.PyJWTError:
            return False
        if not self._still_valid(claims):
            return False
        if len(self._known_tokens) > 1000:
            self._known_tokens.clear()
        self._known_tokens.add(authorization)
        return True

    def expire_tokens(self) -> None:
        """Every token minted so far (by this fake or another) is refused from now on with 401."""
        self._valid_from = self._minted
        self._known_tokens.clear()

    def _still_valid(self, claims: dict[str, Any]) -> bool:
        if self._valid_from is None:
            return True
        prefix, _, serial = str(claims.get("jti", "")).rpartition("-")
        return prefix == f"fakeqpu-{self._app}" and serial.isdigit() and int(serial) >= self._valid_from

    # -- Global Search and Global Catalog ------------------------------------------------------------

    def search(self, request: Request) -> Response:
        items: list[dict[str, Any]] = [
            {
                "crn": instance.crn,
                "name": instance.name,
                "service_plan_unique_id": self.plan_id,
                "tags": [],
                "doc": {"extensions": {"virtual_private_endpoints": {}, "fakeqpu": True}},
            }
            for instance in self.instances(request.instance_hint)
        ]
        return Response.json({"items": items, "search_cursor": None, "limit": 100})

    def catalog(self, request: Request) -> Response:
        plan_id = unquote(request.path.rstrip("/").rsplit("/", 1)[-1])
        if plan_id != self.plan_id:
            return Response.json({"message": f"entry {plan_id} not found", "status_code": 404}, 404)
        plan = self.service.plan
        return Response.json(
            {
                "id": self.plan_id,
                "name": plan.name,
                "overview_ui": {
                    "en": {"display_name": plan.display_name, "description": f"{plan.display_name} plan"}
                },
                "metadata": {"pricing": {"type": plan.pricing_type}},
                "updated": datetime(2026, 1, 1).isoformat() + "Z",
            }
        )


def crn_for_name(own_crn: str, name: str) -> str:
    """The CRN of the account's instance called `name`: stable, in the fake's account and region."""
    parts = own_crn.split(":")
    parts[7] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"fakeqpu-instance:{name}"))
    return ":".join(parts)


def _iam_error(code: str, message: str, status: int) -> Response:
    """IAM's own error format, which differs from the runtime API's envelope."""
    return Response.json(
        {"errorCode": code, "errorMessage": message, "context": {"requestId": "fakeqpu"}}, status
    )
