"""The IBM Cloud Resource Controller's instance look-up (`https://resource-controller.cloud.ibm.com/v2/...`).

Tooling turns a CRN into an instance name (and back) with `GET /v2/resource_instances/{crn or guid}`
and `GET /v2/resource_instances?name=…`. The fake serves its one instance in the Resource Controller's
shape, with the quantum-specific `extensions` of IBM's guide "Use IBM Cloud Platform APIs to access
instances"; anything else is the Resource Controller's 404.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote

from fakeqpu.api import wire
from fakeqpu.api.http import Request, Response
from fakeqpu.service.runtime import RuntimeService

PREFIX = "/v2/resource_instances"
QISKIT_RUNTIME_RESOURCE_ID = "b6049020-80f4-11eb-a0f7-e35ec9b4054f"  # IBM's guide: Qiskit Runtime's offering
RESOURCE_GROUP_ID = "fakeqpu0000000000000000000000000"  # CHOSEN


def handle(
    request: Request,
    service: RuntimeService,
    plan_id: str,
    token_valid: bool,
    account: Sequence[tuple[str, str]] = (),
) -> Response | None:
    """The answer, or None when the path is not one the Resource Controller serves here. `account`:
    the (CRN, name) of the account's other instances, when it is known (the option `account_instances`)."""
    path = request.path.rstrip("/")
    if path != PREFIX and not path.startswith(PREFIX + "/"):
        return None
    if request.method != "GET":
        return _error(405, f"Method {request.method} is not supported by fakeqpu's Resource Controller.")
    if not token_valid:
        return _error(401, "The IAM token is missing or was not issued by this fake.")
    own = (service.instance.crn, service.instance.name)
    instances = [instance_body(service, plan_id, *own)]
    instances += [instance_body(service, plan_id, crn, name) for crn, name in account if crn != own[0]]
    if path == PREFIX:
        wanted = {key: request.param(key) for key in ("guid", "name", "resource_id", "resource_plan_id")}
        resources = [
            instance
            for instance in instances
            if all(value is None or instance.get(key) == value for key, value in wanted.items())
        ]
        return Response.json({"rows_count": len(resources), "next_url": None, "resources": resources})
    wanted_id = unquote(path[len(PREFIX) + 1 :])
    for instance in instances:
        if wanted_id in (instance["id"], instance["guid"]):
            return Response.json(instance)
    return _error(404, f"Instance {wanted_id} not found.")


def instance_body(service: RuntimeService, plan_id: str, crn: str, name: str) -> dict[str, Any]:
    """A `ResourceInstance` of the Resource Controller API v2, for an instance of the fake's account."""
    fields = crn.split(":")  # crn:v1:bluemix:public:quantum-computing:<region>:a/<account>:<guid>::
    region, account, guid = fields[5], fields[6].removeprefix("a/"), fields[7]
    plan = service.plan
    created = wire.iso(service.created_at)
    return {
        "id": crn,
        "guid": guid,
        "url": f"{PREFIX}/{guid}",
        "created_at": created,
        "updated_at": created,
        "deleted_at": None,
        "name": name,
        "region_id": region,
        "account_id": account,
        "resource_plan_id": plan_id,
        "resource_group_id": RESOURCE_GROUP_ID,
        "resource_group_crn": f"crn:v1:bluemix:public:resource-controller::a/{account}::resource-group:"
        f"{RESOURCE_GROUP_ID}",
        "target_crn": f"crn:v1:bluemix:public:globalcatalog::::deployment:{plan_id}%3A{region}",
        "crn": crn,
        "state": "active",
        "type": "service_instance",
        "resource_id": QISKIT_RUNTIME_RESOURCE_ID,
        "dashboard_url": f"https://quantum.cloud.ibm.com/instances/{crn}",
        "locked": False,
        "migrated": False,
        "allow_cleanup": False,
        "parameters": {},
        "extensions": {
            "instance_limit_seconds": plan.usage_limit_seconds,
            "usage_allocation_seconds": plan.usage_allocation_seconds,
            "backends": ["ANY"],
        },
    }


def _error(status: int, message: str) -> Response:
    """The platform services' error body (as the Global Catalog answers), not the runtime's envelope."""
    return Response.json({"message": message, "status_code": status}, status)
