"""quantum_app: a small application that runs a Bell circuit on IBM Quantum, configured from outside."""
