"""Benchmarks: tapeflow beside a hand-written NumPy reference and, when installed, its peers.

Run ``python benchmarks/run.py [--quick] [workload ...]``; see README.md.
"""
