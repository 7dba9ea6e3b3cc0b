"""The seed document's workflow as a separate program: unmodified client code, nothing from fakeqpu.

Run by `test_seed_workflow_subprocess.py` in another process, with the server's environment. It
reports each step as one JSON line on stdout. Where the test must act on the fake (reset it, move its
clock) the program prints `{"wait": name, ...}` and reads one line from stdin before it goes on.
"""

from __future__ import annotations

import json
import sys
import warnings

warnings.filterwarnings("ignore")  # SamplerV2/EstimatorV2 deprecation: stdout carries only the report

from qiskit import QuantumCircuit  # noqa: E402
from qiskit.quantum_info import SparsePauliOp  # noqa: E402
from qiskit.transpiler import generate_preset_pass_manager  # noqa: E402
from qiskit_ibm_runtime import Batch, QiskitRuntimeService, Session  # noqa: E402
from qiskit_ibm_runtime import EstimatorV2 as Estimator  # noqa: E402
from qiskit_ibm_runtime import SamplerV2 as Sampler  # noqa: E402

TIMEOUT = 60  # real seconds a job.result() may wait: a hang fails the test instead of blocking it


def emit(step: str, **facts: object) -> None:
    print(json.dumps({"step": step, **facts}, default=str), flush=True)


def wait(name: str, **facts: object) -> None:
    print(json.dumps({"wait": name, **facts}, default=str), flush=True)
    assert sys.stdin.readline().strip() == "go"


def circuits(backend):
    pass_manager = generate_preset_pass_manager(backend=backend, optimization_level=1, seed_transpiler=1)
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    unmeasured = pass_manager.run(bell)
    bell.measure_all()
    return pass_manager.run(bell), unmeasured, SparsePauliOp("ZZ").apply_layout(unmeasured.layout)


def legacy_primitives(backend, bell, unmeasured, zz) -> None:
    session = Session(backend=backend)
    sampler, estimator = Sampler(mode=session), Estimator(mode=session)
    counts = sampler.run([bell], shots=1000).result(timeout=TIMEOUT)[0].data.meas.get_counts()
    evs = float(estimator.run([(unmeasured, zz)]).result(timeout=TIMEOUT)[0].data.evs)
    during = session.status()
    session.close()
    emit(
        "session_class", counts=counts, evs=evs, during=during, closed=session.status(), usage=session.usage()
    )

    with Session(backend=backend) as ctx:
        job1 = Estimator().run([(unmeasured, zz)])
        job2 = Sampler().run([bell])
    after_block = ctx.status()
    evs1 = float(job1.result(timeout=TIMEOUT)[0].data.evs)
    shots2 = job2.result(timeout=TIMEOUT)[0].data.meas.num_shots
    emit("context_manager", after_block=after_block, evs=evs1, shots=shots2, once_done=ctx.status())

    with Batch(backend=backend) as batch:
        jobs = [Sampler(mode=batch).run([bell], shots=100 + i) for i in range(3)]
    shots = [job.result(timeout=TIMEOUT)[0].data.meas.num_shots for job in jobs]
    emit("batch", mode=batch.details()["mode"], shots=shots, statuses=[job.status() for job in jobs])

    with Session(backend=backend) as detailed:
        details = detailed.details()
    emit("details", details=details)


def cancel(backend, bell) -> None:
    session = Session(backend=backend)
    running, queued = Sampler(mode=session).run([bell]), Sampler(mode=session).run([bell])
    before = [running.status(), queued.status()]
    session.cancel()
    emit("session_cancel", before=before, session=session.status(), jobs=[running.status(), queued.status()])
    lone = Sampler(mode=backend).run([bell])  # job mode, behind the running job
    waiting = lone.status()
    lone.cancel()
    emit("job_cancel", waiting=waiting, status=lone.status())


def max_ttl(backend, bell) -> None:
    session = Session(backend=backend, max_time="25m")
    jobs = [Sampler(mode=session).run([bell]) for _ in range(4)]
    wait("max_ttl", session_id=session.session_id)
    emit(
        "max_ttl",
        session=session.status(),
        jobs=[job.status() for job in jobs],
        failed=jobs[3].error_message(),
        details=session.details(),
    )


def executor_primitives(backend, bell, unmeasured, zz) -> None:
    """The executor-based primitives (qiskit-ibm-runtime 0.50 and later): Sampler and Estimator."""
    try:
        from qiskit_ibm_runtime.executor_estimator import Estimator as ExecutorEstimator
        from qiskit_ibm_runtime.executor_sampler import Sampler as ExecutorSampler
    except ImportError as error:  # an older client: the test is skipped there
        emit("executor_sampler", error=type(error).__name__, message=str(error))
        return
    with Session(backend=backend) as session:
        job = ExecutorSampler(mode=session).run([bell], shots=100)
        emit(
            "executor_sampler",
            shots=job.result(timeout=TIMEOUT)[0].data.meas.num_shots,
            program=job.primitive_id,
        )
        estimator = ExecutorEstimator(mode=session)
        estimator.options.resilience_level = 0
        evs = estimator.run([(unmeasured, zz)]).result(timeout=TIMEOUT)[0].data.evs
        emit("executor_estimator", evs=float(evs))


def main() -> None:
    service = QiskitRuntimeService()  # the environment points at the fake
    backend = service.least_busy(operational=True, simulator=False)
    emit("service", backend=backend.name, backends=[b.name for b in service.backends()])
    bell, unmeasured, zz = circuits(backend)
    legacy_primitives(backend, bell, unmeasured, zz)
    executor_primitives(backend, bell, unmeasured, zz)
    wait("ten_minute_jobs")
    cancel(backend, bell)
    wait("ten_minute_jobs")
    max_ttl(backend, bell)
    emit("done")


if __name__ == "__main__":
    main()
