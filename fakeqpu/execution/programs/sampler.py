"""Program `sampler`: Sampler V2 PUBs (RuntimeEncoder params), a PrimitiveResult body."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fakeqpu.execution.encoding import sampler_result_text
from fakeqpu.execution.errors import VALIDATION, ExecutionError
from fakeqpu.execution.options import parse_options
from fakeqpu.execution.prepared import PreparedJob
from fakeqpu.execution.programs.common import backend, pub_job, pubs_problem
from fakeqpu.execution.pubs import raw_pubs, sampler_pubs
from fakeqpu.execution.simulation.sampler import run_sampler


class SamplerProgram:
    def submission_problem(self, params: Any, params_wire: Any) -> str | None:
        return pubs_problem(params)

    def prepare(self, params: Any, params_wire: Any, backend_name: str) -> PreparedJob:
        data, target = backend(backend_name)
        if not isinstance(params, dict):
            raise ExecutionError(VALIDATION, "params must be an object.")
        options = parse_options(params)
        pubs = sampler_pubs(raw_pubs(params), options, target)
        runs = [(pub.circuit, pub.shots, pub.parameter_values.size) for pub in pubs]
        return pub_job("sampler", backend_name, runs, pubs, options, data, target)

    def run(self, prepared: PreparedJob, *, seed: int, start: datetime, stop: datetime) -> str:
        options = prepared.options
        if options.seed_simulator is not None:
            seed = options.seed_simulator
        return sampler_result_text(run_sampler(prepared.pubs, prepared.backend_name, seed), start, stop)


PROGRAM = SamplerProgram()
