"""Real mode (`pytest --fakeqpu-real`): the plugin's fixtures stand for IBM Quantum itself.

`plugin` holds the options, fixtures and report; `traffic` holds every request to IBM and vets it
with `cost_guard`; `divergence` writes which contract tests disagreed with the fake. Nothing here
imports the fake (`api`, `service`, `execution`): a real run talks to IBM only.
"""
