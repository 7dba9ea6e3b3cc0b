"""Program `calibrate` (the client's `Calibrator`): nothing to simulate, a `CalibratorResultModel`.

The job's run is the calibration: the result says when it started and stopped on the virtual clock.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fakeqpu.execution.estimate import OVERHEAD_SECONDS
from fakeqpu.execution.prepared import PreparedJob
from fakeqpu.execution.programs.common import Refused, backend, schema_module


class CalibrateProgram:
    def submission_problem(self, params: Any, params_wire: Any) -> str | None:
        try:
            _model_class(params_wire).model_validate(params_wire)
        except Refused as exc:
            return str(exc)
        except Exception as exc:
            return f"params do not match the calibrate schema: {str(exc).splitlines()[0]}"
        return None

    def prepare(self, params: Any, params_wire: Any, backend_name: str) -> PreparedJob:
        backend(backend_name)
        version = params_wire["schema_version"]
        return PreparedJob("calibrate", backend_name, 0, OVERHEAD_SECONDS, payload=version)

    def run(self, prepared: PreparedJob, *, seed: int, start: datetime, stop: datetime) -> str:
        module = schema_module("calibrator", prepared.payload)
        text: str = module.CalibratorResultModel(
            schema_version=prepared.payload, start=start, stop=stop
        ).model_dump_json()
        return text


def _model_class(params_wire: Any) -> Any:
    if not isinstance(params_wire, dict):
        raise Refused("params must be an object.")
    version = params_wire.get("schema_version")
    if not isinstance(version, str) or not re.fullmatch(r"v\d+\.\d+", version):
        raise Refused(f"params.schema_version {version!r} is not a calibrate schema version.")
    try:
        module = schema_module("calibrator", version)
    except ImportError:
        raise Refused(f"params.schema_version {version!r} is not a calibrate schema version.") from None
    return module.ParamsModel


PROGRAM = CalibrateProgram()
