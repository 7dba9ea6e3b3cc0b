"""The account kept in a state dir (`state_dir=`, `fakeqpu serve --state-dir`): its journal's file
format (`journal.py`) and what is recorded and replayed (`account.py`). See docs/server.md."""

from fakeqpu.state.journal import StateDirError

__all__ = ["StateDirError"]
