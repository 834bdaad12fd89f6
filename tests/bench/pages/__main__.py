"""`python -m tests.bench.pages`: the page benchmark (tests/bench/pages/run.py)."""

from tests.bench.pages.run import main

main()
