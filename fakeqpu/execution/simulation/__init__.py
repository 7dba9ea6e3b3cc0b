"""The simulation core the programs share: cut a circuit to the qubits it touches (`cutting`), build
the backend's noise for them (`noise`, `twirl`, `lindblad`), run batched Aer experiments
(`simulate`), and the per-primitive simulations (`sampler`, `estimator`, `components`).
"""
