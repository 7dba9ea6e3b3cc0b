"""Program `estimator`: Estimator V2 PUBs (RuntimeEncoder params), a PrimitiveResult body."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fakeqpu.execution.encoding import estimator_result_text
from fakeqpu.execution.errors import VALIDATION, ExecutionError
from fakeqpu.execution.options import parse_options
from fakeqpu.execution.prepared import PreparedJob
from fakeqpu.execution.programs.common import backend, pub_job, pubs_problem
from fakeqpu.execution.pubs import estimator_pubs, raw_pubs
from fakeqpu.execution.simulation.estimator import run_estimator


class EstimatorProgram:
    def submission_problem(self, params: Any, params_wire: Any) -> str | None:
        return pubs_problem(params)

    def prepare(self, params: Any, params_wire: Any, backend_name: str) -> PreparedJob:
        data, target = backend(backend_name)
        if not isinstance(params, dict):
            raise ExecutionError(VALIDATION, "params must be an object.")
        options = parse_options(params)
        tasks = estimator_pubs(raw_pubs(params), options, target)
        runs = [(task.pub.circuit, task.shots, task.pub.parameter_values.size) for task in tasks]
        return pub_job("estimator", backend_name, runs, tasks, options, data, target)

    def run(self, prepared: PreparedJob, *, seed: int, start: datetime, stop: datetime) -> str:
        options = prepared.options
        if options.seed_simulator is not None:
            seed = options.seed_simulator
        elif options.seed_estimator is not None:
            seed = options.seed_estimator
        estimated = run_estimator(prepared.pubs, options, prepared.backend_name, seed)
        return estimator_result_text(estimated, options)


PROGRAM = EstimatorProgram()
