"""IBM's circuit schedule timing (`scheduler_timing`): the text `draw_circuit_schedule_timing` reads.

One line per instruction and channel, `<branch>,<instruction>,<channel>,<t0>,<duration>,<pulse>`, in
units of the backend's `dt` (IBM's "Visualize circuit timing" guide). The schedule is as soon as
possible, from the target's durations: the ones IBM's duration estimate uses. What IBM's compiler
adds on top (several pulses per measurement, broadcast and receive around a branch, the final
`FINI` readout) the fake does not model: docs/fidelity.md, "Circuit timing".
"""

from __future__ import annotations

from typing import Any

from qiskit.circuit import ControlFlowOp, IfElseOp, QuantumCircuit
from qiskit.transpiler import Target

_READOUT = "measure"


def scheduler_timing(circuit: QuantumCircuit, target: Target) -> dict[str, Any]:
    """`{"timing": <text>, "circuit_duration": <dt>}` for one circuit."""
    schedule = _Schedule(target)
    qubits = [circuit.find_bit(qubit).index for qubit in circuit.qubits]
    clbits = [circuit.find_bit(clbit).index for clbit in circuit.clbits]
    end = schedule.block(circuit, qubits, clbits, "main", 0)
    return {"timing": "".join(f"{line}\n" for line in schedule.lines), "circuit_duration": end}


class _Schedule:
    def __init__(self, target: Target) -> None:
        self.target = target
        self.dt = target.dt or 0.0
        self.lines: list[str] = []
        self.qubit_free: dict[int, int] = {}
        self.clbit_free: dict[int, int] = {}

    def block(
        self, circuit: QuantumCircuit, qubits: list[int], clbits: list[int], branch: str, at: int
    ) -> int:
        """Schedule `circuit` (its bits mapped to `qubits`/`clbits`) from `at`; return when it ends."""
        end = at
        for instruction in circuit.data:
            qs = [qubits[circuit.find_bit(q).index] for q in instruction.qubits]
            cs = [clbits[circuit.find_bit(c).index] for c in instruction.clbits]
            start = max(
                [at, *(self.qubit_free.get(q, 0) for q in qs), *(self.clbit_free.get(c, 0) for c in cs)]
            )
            operation = instruction.operation
            if isinstance(operation, ControlFlowOp):
                finish = self._control_flow(operation, qs, cs, branch, start)
            else:
                finish = start + self._instruction(operation, qs, branch, start)
            for q in qs:
                self.qubit_free[q] = finish
            for c in cs:
                self.clbit_free[c] = finish
            end = max(end, finish)
        return end

    def _control_flow(
        self, operation: ControlFlowOp, qs: list[int], cs: list[int], branch: str, start: int
    ) -> int:
        if isinstance(operation, IfElseOp) and branch == "main":
            names = ["then", "else"]
        else:  # loops, switches, boxes and nested branches: their bodies once, on the branch they sit in
            names = [branch] * len(operation.blocks)
        ends = [start]
        if isinstance(operation, IfElseOp):
            saved = (dict(self.qubit_free), dict(self.clbit_free))
            for body, name in zip(operation.blocks, names, strict=False):
                self.qubit_free, self.clbit_free = dict(saved[0]), dict(saved[1])
                ends.append(self.block(body, qs, cs, name, start))
            self.qubit_free, self.clbit_free = saved
            return max(ends)
        at = start
        for body in operation.blocks:
            at = self.block(body, qs, cs, branch, at)
        return at

    def _instruction(self, operation: Any, qs: list[int], branch: str, start: int) -> int:
        name = operation.name
        if name == "barrier":
            self.lines.extend(f"{branch},barrier,Qubit {q},{start},0,barrier" for q in qs)
            return 0
        duration = self._duration(operation, qs)
        label = "_".join([name, *map(str, qs)])
        if name == "delay":
            self.lines.extend(f"{branch},{label},Qubit {q},{start},{duration},delay" for q in qs)
            return duration
        pulse = "play" if duration else "shift_phase"
        self.lines.extend(f"{branch},{label},Qubit {q},{start},{duration},{pulse}" for q in qs)
        if name == _READOUT:
            self.lines.extend(f"{branch},{label},AWGR0_{q},{start},{duration},capture" for q in qs)
        return duration

    def _duration(self, operation: Any, qs: list[int]) -> int:
        if operation.name == "delay":
            if operation.unit == "dt":
                return int(operation.duration)
            seconds = float(operation.duration) * _UNITS.get(operation.unit, 1.0)
            return round(seconds / self.dt) if self.dt else 0
        try:
            properties = self.target[operation.name][tuple(qs)]
        except KeyError:
            return 0
        duration = properties.duration if properties is not None else None
        return round(duration / self.dt) if duration and self.dt else 0


_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9, "ps": 1e-12}
