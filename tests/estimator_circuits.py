"""Wide ISA circuits for the Estimator's method ladder, built gate by gate (no transpiler: fast).

`kicked_ising` has the shape of IBM's 2023 utility experiment: each Trotter step is RX(θ) on every
qubit, then RZZ(-π/2) on every heavy-hex edge in three layers; here in ibm_torino's native gates.
"""

from __future__ import annotations

import functools
import math

import rustworkx as rx
from qiskit import QuantumCircuit
from qiskit.quantum_info import Pauli, Statevector

from fakeqpu.backend_data import get_backend_data

BACKEND = "ibm_torino"


@functools.cache
def edge_layers(num_qubits: int) -> tuple[tuple[tuple[int, int], ...], ...]:
    """The device's couplers among qubits 0..num_qubits-1, colored into layers of disjoint pairs."""
    target = get_backend_data(BACKEND).fake_backend().target
    edges = sorted({tuple(sorted(qargs)) for qargs in target["cz"] if max(qargs) < num_qubits})
    graph = rx.PyGraph()
    graph.add_nodes_from(range(num_qubits))
    graph.add_edges_from_no_data(edges)
    colors = rx.graph_greedy_edge_color(graph)
    layers: dict[int, list[tuple[int, int]]] = {}
    for index, (a, b) in enumerate(graph.edge_list()):
        layers.setdefault(colors[index], []).append((a, b))
    return tuple(tuple(sorted(layers[color])) for color in sorted(layers))


def isa_rx(circuit: QuantumCircuit, theta: float, qubit: int) -> None:
    """RX(θ) up to a global phase, in rz and sx."""
    circuit.rz(math.pi / 2, qubit)
    circuit.sx(qubit)
    circuit.rz(theta + math.pi, qubit)
    circuit.sx(qubit)
    circuit.rz(math.pi / 2, qubit)


def isa_rzz_minus_half_pi(circuit: QuantumCircuit, a: int, b: int) -> None:
    """RZZ(-π/2) up to a global phase: CZ · RZ(-π/2) ⊗ RZ(-π/2)."""
    circuit.rz(-math.pi / 2, a)
    circuit.rz(-math.pi / 2, b)
    circuit.cz(a, b)


def kicked_ising(num_qubits: int, steps: int, theta: float, width: int = 133) -> QuantumCircuit:
    """On the first `num_qubits` qubits of a `width`-qubit device circuit."""
    circuit = QuantumCircuit(width)
    for _ in range(steps):
        for qubit in range(num_qubits):
            isa_rx(circuit, theta, qubit)
        for layer in edge_layers(num_qubits):
            for a, b in layer:
                isa_rzz_minus_half_pi(circuit, a, b)
    return circuit


def shallow(num_qubits: int, angles: list[float], layers: int = 2, width: int = 133) -> QuantumCircuit:
    """RX(angle of each qubit), then per layer: CZ on one color of couplers, RX again."""
    circuit = QuantumCircuit(width)
    for qubit in range(num_qubits):
        isa_rx(circuit, angles[qubit], qubit)
    for layer in edge_layers(num_qubits)[:layers]:
        for a, b in layer:
            circuit.cz(a, b)
        for qubit in range(num_qubits):
            isa_rx(circuit, angles[qubit] / 2, qubit)
    return circuit


def z_label(qubits: dict[int, str], width: int = 133) -> str:
    """A Pauli label (qiskit order) with the given letters on the given qubits."""
    letters = ["I"] * width
    for qubit, letter in qubits.items():
        letters[width - 1 - qubit] = letter
    return "".join(letters)


def shallow_reference(num_qubits: int, angles: list[float], qubits: list[int], label: str) -> float:
    """⟨P⟩ of the logical shallow circuit, by statevector on every qubit within two couplers of P."""
    layers = edge_layers(num_qubits)[:2]
    region = set(qubits)
    for _ in range(2):
        region |= {q for layer in layers for a, b in layer for q in (a, b) if a in region or b in region}
    local = sorted(region)
    position = {q: i for i, q in enumerate(local)}
    circuit = QuantumCircuit(len(local))
    for q in local:
        circuit.rx(angles[q], position[q])
    for layer in layers:
        for a, b in layer:
            if a in region and b in region:
                circuit.cz(position[a], position[b])
        for q in local:
            circuit.rx(angles[q] / 2, position[q])
    letters = ["I"] * len(local)
    for q, letter in zip(qubits, label, strict=True):
        letters[len(local) - 1 - position[q]] = letter
    return float(Statevector(circuit).expectation_value(Pauli("".join(letters))).real)
