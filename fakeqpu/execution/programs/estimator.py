"""Program `estimator`: Estimator V2 PUBs (RuntimeEncoder params), a PrimitiveResult body."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fakeqpu.execution.encoding import estimator_result_text
from fakeqpu.execution.prepared import PreparedJob
from fakeqpu.execution.programs.common import Run, finish_body, pub_job, pubs_problem
from fakeqpu.execution.pubs import estimator_pubs
from fakeqpu.execution.simulation.estimator import check_exact_estimator, run_estimator


class EstimatorProgram:
    def submission_problem(self, params: Any, params_wire: Any) -> str | None:
        return pubs_problem(params)

    def prepare(self, params: Any, params_wire: Any, backend_name: str) -> PreparedJob:
        return pub_job("estimator", params, backend_name, estimator_pubs, _run_of)

    def run(self, prepared: PreparedJob, *, seed: int, start: datetime, stop: datetime) -> str:
        options = prepared.options
        if options.seed_simulator is not None:
            seed = options.seed_simulator
        elif options.seed_estimator is not None:
            seed = options.seed_estimator
        estimated = run_estimator(prepared.pubs, options, prepared.backend_name, seed)
        return finish_body(prepared, estimator_result_text(estimated, options))

    def exact_problem(self, prepared: PreparedJob) -> None:
        """Raise the job's failure when the exact-only policy cannot sample it exactly in budget."""
        check_exact_estimator(prepared.pubs, prepared.options, prepared.backend_name)


def _run_of(task: Any) -> Run:
    return (task.pub.circuit, task.shots, task.pub.parameter_values.size)


PROGRAM = EstimatorProgram()
