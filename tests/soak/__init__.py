"""``make soak``: mdmkit under sustained faults, cancellations and hostile servers.

Two seeded runs, each counting its defects (``figures.py``): a soak of mixed operations over
both fakes with faults injected through their fault machinery (``operations.py``), and a fuzz
run serving hostile responses from a raw socket server to the real clients (``fuzz.py``,
``hostile.py``). ``python -m tests.soak --help`` says how to size and seed them.
"""
