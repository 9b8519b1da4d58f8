"""``python -m app.cli``: the ``aurigraph`` command (tests and benchmarks start servers this way)."""

from app.cli import main

main()
