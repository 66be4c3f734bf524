"""ccsim — a Cloud Controller v3 + UAA + router + app runner simulator for tests.

Run: `PYTHONPATH=tests .venv/bin/python -m ccsim --port 0 --router-port 0 --ready-file F`;
from Python: `ccsim.launcher.start_simulator(tmpdir, **config)`.
Known gaps (CC behaviours knowingly not simulated) are listed in KNOWN_GAPS below.
"""

KNOWN_GAPS = """(filled in below)"""
