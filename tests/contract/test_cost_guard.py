"""The cost guard's limits and how it reads job and session bodies (as the client sends them; no HTTP)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit_ibm_runtime import RuntimeEncoder

from fakeqpu.real.cost_guard import CostLimits, active_qubits, vet_job, vet_session

LIMITS = CostLimits()
UNDECODABLE = (
    '{"program_id": "sampler", "params": {"pubs": [{"__type__": "QuantumCircuit", "__value__": "x"}]}}'
)


def bell(width: int = 2) -> QuantumCircuit:
    circuit = QuantumCircuit(width, 2)  # a wide register, like an ISA circuit: only two qubits act
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure([0, 1], [0, 1])
    return circuit


def job(program: str, pubs: list, options: dict | None = None, **extra) -> str:
    params = {"pubs": pubs, "options": options or {}, "version": 2, "support_qiskit": True}
    body = {"program_id": program, "backend": "ibm_torino", "params": params, "log_level": "WARNING", **extra}
    return json.dumps(body, cls=RuntimeEncoder)


def sampler(shots: int | None = 100, circuit: QuantumCircuit | None = None, **extra) -> str:
    return job("sampler", [(circuit or bell(), np.empty(0), shots)], **extra)


def estimator(precision: float | None, options: dict | None = None) -> str:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    return job("estimator", [(circuit, {"ZZ": 1.0}, np.empty(0), precision)], options)


def test_the_defaults_and_overrides():
    assert LIMITS.describe().startswith("shots=100, sets=10, pubs=5, qubits=5, ops=200, jobs=10")
    limits = CostLimits.parse(" shots=1000, qubits = 8 ,")
    assert (limits.shots, limits.qubits, limits.ops) == (1000, 8, 200)
    assert CostLimits.parse(None) == LIMITS


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("shot=5", "unknown cost limit 'shot=5'"),
        ("shots", "unknown cost limit 'shots'"),
        ("shots=many", "shots = 'many' is not an integer"),
        ("jobs=0", "jobs = 0 is too small"),
    ],
)
def test_bad_limits_are_refused(text, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        CostLimits.parse(text)


def test_a_session_gets_the_limit_as_its_max_ttl_when_it_names_none():
    vetted = vet_session('{"mode": "dedicated", "backend": "ibm_torino"}', LIMITS)
    assert vetted.problems == () and json.loads(vetted.body)["max_ttl"] == 600
    short = '{"mode": "batch", "backend": "ibm_torino", "max_ttl": 300}'
    assert vet_session(short, LIMITS).body == short


@pytest.mark.parametrize(
    ("body", "problem"), [('{"max_ttl": 601}', "max_ttl=601 s (limit 600 s)"), ("[]", "not")]
)
def test_a_long_or_unreadable_session_is_refused(body, problem):
    assert problem in " ".join(vet_session(body, LIMITS).problems)


def test_a_small_sampler_job_passes_and_gets_a_max_execution_time():
    vetted = vet_job(sampler(100, bell(133)), LIMITS)
    assert vetted.problems == ()
    assert json.loads(vetted.body)["cost"] == 120
    explicit = sampler(100, cost=60)
    assert vet_job(explicit, LIMITS).body == explicit


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (sampler(101), "PUB 0 asks for 101 shots (limit 100)"),
        (sampler(None), "PUB 0 asks for 4096 shots"),  # the server's default
        (sampler(100, cost=600), "max_execution_time=600 s (limit 120 s)"),
        (job("sampler", [(bell(), np.empty(0), 10)] * 6), "6 PUBs (limit 5)"),
        (job("circuit-runner", []), "the cost guard only knows sampler, estimator and executor"),
        (UNDECODABLE, "its params could not be decoded"),
        (job("sampler", [(bell(), "not values", 10)]), "PUB 0 could not be read"),
        (estimator(0.05), "PUB 0 asks for 400 shots"),
        (estimator(None), "PUB 0 asks for 4096 shots"),
        (estimator(None, {"default_shots": 500}), "PUB 0 asks for 500 shots"),
        (estimator(0.1, {"resilience": {"zne_mitigation": True}}), "resilience.zne_mitigation is on"),
    ],
)
def test_costly_jobs_are_refused(body, problem):
    problems = vet_job(body, LIMITS).problems
    assert problems and problem in " ".join(problems)


def test_the_job_options_set_the_shots():
    assert vet_job(sampler(None, options={"default_shots": 50}), LIMITS).problems == ()
    assert vet_job(estimator(0.1), LIMITS).problems == ()  # 1 / 0.1² = 100 shots
    assert vet_job(estimator(None, {"default_shots": 100}), LIMITS).problems == ()


def test_the_resilience_level_is_read_from_the_params():
    body = json.loads(sampler(10))
    body["params"]["resilience_level"] = 2
    assert vet_job(json.dumps(body), LIMITS).problems == ("resilience_level=2 (limit 1)",)


def test_wide_deep_and_swept_circuits_are_refused():
    wide = QuantumCircuit(6)
    wide.h(range(6))
    assert "acts on 6 qubits (limit 5)" in vet_job(sampler(10, wide), LIMITS).problems[0]
    deep = QuantumCircuit(1)
    for _ in range(201):
        deep.x(0)
    assert "has 201 operations (limit 200)" in vet_job(sampler(10, deep), LIMITS).problems[0]
    swept = QuantumCircuit(1)
    swept.ry(Parameter("a"), 0)
    swept.measure_all()
    body = job("sampler", [(swept, np.linspace(0, 1, 11).reshape(11, 1), 10)])
    assert "has 11 parameter sets × observables (limit 10)" in vet_job(body, LIMITS).problems[0]


def test_barriers_and_delays_act_on_no_qubit():
    circuit = QuantumCircuit(5, 1)
    circuit.barrier()
    circuit.delay(100, 4)
    circuit.x(2)
    circuit.measure(2, 0)
    assert active_qubits(circuit) == {2}


QASM_BELL = """OPENQASM 3.0;
include "stdgates.inc";
bit[2] c;
h $0;
cx $0, $1;
c[0] = measure $0;
c[1] = measure $1;
"""


def test_openqasm_pubs_of_the_rest_guides_are_read_like_circuits():
    assert vet_job(job("sampler", [[QASM_BELL, None, 100]]), LIMITS).problems == ()
    problems = vet_job(job("sampler", [[QASM_BELL]]), LIMITS).problems  # the server's default shots
    assert "PUB 0 asks for 4096 shots" in " ".join(problems)
    wide = QASM_BELL.replace("h $0;", "h $0;\nh $1;\nh $2;\nh $3;\nh $4;\nh $5;")
    assert "acts on 6 qubits" in " ".join(vet_job(job("sampler", [[wide, None, 10]]), LIMITS).problems)
    estimate = vet_job(job("estimator", [[QASM_BELL, {"ZZ": 1.0}, None, 0.05]]), LIMITS).problems
    assert "PUB 0 asks for 400 shots" in " ".join(estimate)


def test_openqasm_ibm_cannot_load_passes_and_overlong_text_is_refused_unread():
    assert vet_job(job("sampler", [["OPENQASM 3.0;\nnot_a_gate $0;\n", None, 10]]), LIMITS).problems == ()
    long = QASM_BELL + "// padding\n" * 2000
    assert "characters of OpenQASM 3" in " ".join(
        vet_job(job("sampler", [[long, None, 10]]), LIMITS).problems
    )
