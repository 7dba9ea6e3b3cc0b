"""Program `sampler`: Sampler V2 PUBs (RuntimeEncoder params), a PrimitiveResult body."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fakeqpu.execution.encoding import sampler_result_text
from fakeqpu.execution.prepared import PreparedJob
from fakeqpu.execution.programs.common import Run, finish_body, pub_job, pubs_problem
from fakeqpu.execution.pubs import sampler_pubs
from fakeqpu.execution.simulation.sampler import check_exact_sampler, run_sampler


class SamplerProgram:
    def submission_problem(self, params: Any, params_wire: Any) -> str | None:
        return pubs_problem(params)

    def prepare(self, params: Any, params_wire: Any, backend_name: str) -> PreparedJob:
        return pub_job("sampler", params, backend_name, sampler_pubs, _run_of)

    def run(self, prepared: PreparedJob, *, seed: int, start: datetime, stop: datetime) -> str:
        options = prepared.options
        if options.seed_simulator is not None:
            seed = options.seed_simulator
        text = sampler_result_text(run_sampler(prepared.pubs, prepared.backend_name, seed), start, stop)
        return finish_body(prepared, text, [pub.circuit for pub in prepared.pubs])

    def exact_problem(self, prepared: PreparedJob) -> None:
        """Raise the job's failure when the exact-only policy cannot sample it exactly in budget."""
        check_exact_sampler(prepared.pubs, prepared.backend_name)


def _run_of(pub: Any) -> Run:
    return (pub.circuit, pub.shots, pub.parameter_values.size)


PROGRAM = SamplerProgram()
