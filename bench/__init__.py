"""Benchmark harness: times the same workloads in TensorFlow and PyTorch, one process each.

Run it with `make bench` (or `python -m bench --help`). It writes docs/data/benchmarks.json and
the SVG charts in docs/assets/benchmarks/; hooks/benchmark_tables.py renders the tables of
docs/performance.md from the same file.

Modules:
    workloads      what is measured, framework-neutral: sizes, weights, inputs, tolerances
    tf_workloads   the TensorFlow / Keras 3 implementation of each workload and mode
    torch_workloads the PyTorch implementation of each workload and mode
    worker         the process one framework runs in, driven over a pipe
    limit          NumPy's matmul peak on this machine (the "limit" line)
    machine        CPU model, cores, versions, BLAS configuration
    runner         correctness checks, interleaved timing, cold starts; writes the data file
    charts         SVG charts drawn from the data file
"""
