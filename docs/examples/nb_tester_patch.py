# An nb-tester patch, given as `--patch` with patch="nb_tester_patch.py" and seed=7. nb-tester fills
# in its one variable (seed: no other braces here) and runs it in the kernel before the notebook.
# Instead of making `least_busy` return a simulator, it gives the kernel a fake IBM Quantum Platform:
# least_busy, sessions, batches, job listings and the REST API all run, on virtual time. The results
# come from a fake, so it does not allow nb-tester to write the executed notebooks.
get_ipython().run_line_magic("load_ext", "fakeqpu")  # noqa: F821 (the kernel defines get_ipython)
get_ipython().run_line_magic("fakeqpu", "reset seed={seed}")  # noqa: F821
