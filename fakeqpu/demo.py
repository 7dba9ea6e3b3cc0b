"""`make demo`: the examples of "Run jobs in a session", run against fakeqpu, told at a glance."""

from __future__ import annotations

import time
import warnings
from typing import Any

IN_ACCEPT = "In progress, accepting new jobs"


def _bell(backend: Any, measured: bool = True) -> Any:
    from qiskit import QuantumCircuit
    from qiskit.transpiler import generate_preset_pass_manager

    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    if measured:
        qc.measure_all()
    return generate_preset_pass_manager(backend=backend, optimization_level=1).run(qc)


def _say(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 76 - len(title)))


def main() -> None:
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    wall = time.perf_counter()
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_ibm_runtime import EstimatorV2 as Estimator
    from qiskit_ibm_runtime import QiskitRuntimeService, Session
    from qiskit_ibm_runtime import SamplerV2 as Sampler

    import fakeqpu

    with fakeqpu.mock_runtime(seed=7) as runtime:
        _say("Set up: QiskitRuntimeService() and least_busy, no credentials, no network")
        service = QiskitRuntimeService()
        backend = service.least_busy(operational=True, simulator=False)
        print(f"least busy backend: {backend.name} ({backend.num_qubits} qubits)")
        bell = _bell(backend)
        bell_unmeasured = _bell(backend, measured=False)
        zz = SparsePauliOp("ZZ").apply_layout(bell_unmeasured.layout)

        _say("Session class: Sampler and Estimator in one session, then close()")
        session = Session(backend=backend)
        print(f"session {session.session_id}: {session.status()}")
        sampler, estimator = Sampler(mode=session), Estimator(mode=session)
        counts = sampler.run([bell], shots=1000).result()[0].data.meas.get_counts()
        print(f"Bell counts (1000 shots, {backend.name} noise): {dict(sorted(counts.items()))}")
        evs = estimator.run([(bell_unmeasured, zz)]).result()[0].data.evs
        print(f"<ZZ> on the Bell state: {float(evs):.3f}")
        print(f"status while jobs ran: {session.status()}")
        session.close()
        print(f"after close(): {session.status()}  usage: {session.usage():.1f} s")

        _say("Context manager: exiting closes; queued jobs still finish")
        with Session(backend=backend) as ctx_session:
            job1 = Estimator().run([(bell_unmeasured, zz)])
            job2 = Sampler().run([bell])
        print(f"after the with block: {ctx_session.status()}")
        zz_value, shots = float(job1.result()[0].data.evs), job2.result()[0].data.meas.num_shots
        print(f"job1 <ZZ> = {zz_value:.3f}; job2 shots = {shots}")
        print(f"once both finished: {ctx_session.status()}")

        _say("Session details")
        with Session(backend=backend) as detailed:
            for key, value in detailed.details().items():
                print(f"  {key:<20} {value}")

        _executor_primitives(backend, bell, bell_unmeasured, zz)

    with fakeqpu.mock_runtime(seed=7, job_duration=600) as runtime:
        _say("Session length: max_time='25m', four 10-minute jobs, the clock moved 25 minutes")
        backend = runtime.service().backend("ibm_torino")
        session = Session(backend=backend, max_time="25m")
        jobs = [Sampler(mode=session).run([_bell(backend)]) for _ in range(4)]
        runtime.clock.advance(minutes=25, seconds=1)
        print(f"session: {session.status()}; jobs: {[job.status() for job in jobs]}")
        runtime.clock.advance(minutes=5)
        print(f"5 minutes later the running job is {jobs[2].status()}")
        print("\nTimeline (virtual time):")
        print(runtime.timeline())

    print(f"\nAll of the above took {time.perf_counter() - wall:.1f} s of wall time.")


def _executor_primitives(backend: Any, bell: Any, bell_unmeasured: Any, zz: Any) -> None:
    _say("Current primitives: client-side Sampler and Estimator (program executor)")
    try:
        from qiskit_ibm_runtime.executor_estimator import Estimator
        from qiskit_ibm_runtime.executor_sampler import Sampler
    except ImportError:
        print("this qiskit-ibm-runtime predates the client-side primitives (0.50): skipped")
        return
    from qiskit_ibm_runtime import Session

    with Session(backend=backend) as session:
        sampler = Sampler(mode=session)
        sampler.options.twirling.enable_gates = True
        job = sampler.run([bell], shots=1000)
        counts = job.result()[0].data.meas.get_counts()
        print(f"twirled Bell counts ({job.primitive_id} program): {dict(sorted(counts.items()))}")
        for level in (0, 1):
            estimator = Estimator(mode=session)
            estimator.options.resilience_level = level
            evs = estimator.run([(bell_unmeasured, zz)]).result()[0].data.evs
            print(f"<ZZ> at resilience level {level} (any mitigation runs in the client): {float(evs):.3f}")


if __name__ == "__main__":
    main()
